using Microsoft.Extensions.Logging;
using Outpost.Sdk.Client;

namespace Outpost.Provisioner.Daemon;

/// <summary>
/// The provisioner assembly's public entry: runs provisioner daemons inside another process
/// (<c>outpost server</c>'s built-in ones, <see cref="Start"/>), each talking to the server over HTTP
/// like a remote daemon would, or one remote daemon (<c>outpost provisionerd start</c>,
/// <see cref="Check"/> then <see cref="RunRemoteAsync"/>). Disposing stops the built-in ones
/// gracefully: each current job gets its grace period to finish and is otherwise failed, never abandoned.
/// </summary>
public sealed class ProvisionerDaemonHost : IAsyncDisposable
{
    /// <summary>The logger category of every daemon.</summary>
    public const string LoggerCategory = "Outpost.Provisioner.Daemon";

    private readonly List<ProvisionerDaemon> _daemons;
    private readonly List<Task<ProvisionerDaemonExit>> _runs;
    private readonly ProvisionerDaemonClient? _http;
    private readonly CancellationTokenSource _stop;
    private readonly ILogger _logger;

    private ProvisionerDaemonHost(List<ProvisionerDaemon> daemons, List<Task<ProvisionerDaemonExit>> runs, ProvisionerDaemonClient? http, CancellationTokenSource stop, ILogger logger)
    {
        _daemons = daemons;
        _runs = runs;
        _http = http;
        _stop = stop;
        _logger = logger;
    }

    /// <summary>How many daemons run.</summary>
    public int Count => _daemons.Count;

    /// <summary>Each daemon's run; a run ends early only when the server refuses the daemon.</summary>
    internal IReadOnlyList<Task<ProvisionerDaemonExit>> Runs => _runs;

    /// <summary>
    /// Starts <paramref name="count"/> daemons (0 for none) named <c>&lt;host&gt;-builtin-&lt;n&gt;</c>, running
    /// every registered provisioner (local and terraform) with workspaces under <paramref name="workspacesDirectory"/>.
    /// <paramref name="configure"/> may adjust each daemon's options (tests shorten intervals; the
    /// agent command may be replaced).
    /// </summary>
    public static ProvisionerDaemonHost Start(
        int count,
        Uri serverUrl,
        string key,
        string workspacesDirectory,
        ILoggerFactory loggers,
        TimeProvider time,
        Func<ProvisionerDaemonOptions, ProvisionerDaemonOptions>? configure = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentNullException.ThrowIfNull(serverUrl);
        ArgumentNullException.ThrowIfNull(loggers);
        ArgumentNullException.ThrowIfNull(time);
        var logger = loggers.CreateLogger(LoggerCategory);
        var stop = new CancellationTokenSource();
        if (count == 0)
        {
            return new ProvisionerDaemonHost([], [], null, stop, logger);
        }

        // One connection pool for all of them: they share a server.
        var http = ProvisionerDaemonClient.Create(serverUrl, key);
        var daemons = new List<ProvisionerDaemon>(count);
        var runs = new List<Task<ProvisionerDaemonExit>>(count);
        for (var index = 1; index <= count; index++)
        {
            var options = new ProvisionerDaemonOptions
            {
                Name = $"{System.Environment.MachineName}-builtin-{index}",
                // Built-in daemons run every provisioner this build has: local and terraform.
                Provisioners = ProvisionerRegistry.Names,
                WorkspacesDirectory = Path.GetFullPath(workspacesDirectory),
            };
            options = configure?.Invoke(options) ?? options;
            var daemon = new ProvisionerDaemon(http, CreateProvisioners(options, loggers, time), options, logger, time);
            daemons.Add(daemon);
            runs.Add(daemon.RunAsync(stop.Token));
        }

        return new ProvisionerDaemonHost(daemons, runs, http, stop, logger);
    }

    /// <summary>The provisioners <paramref name="options"/> names, from the <see cref="ProvisionerRegistry"/>.</summary>
    internal static IReadOnlyList<IProvisioner> CreateProvisioners(ProvisionerDaemonOptions options, ILoggerFactory loggers, TimeProvider time) =>
        ProvisionerRegistry.Create(options, loggers, time);

    /// <summary>Every problem with a remote daemon's options, all at once: the options' own, then an unknown provisioner.</summary>
    public static IReadOnlyList<string> Check(ProvisionerDaemonOptions options, ILoggerFactory loggers, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>(options.Validate());
        try
        {
            CreateProvisioners(options, loggers, time);
        }
        catch (ArgumentException ex)
        {
            errors.Add(ex.Message.Split(" (Parameter", 2)[0]);
        }

        return errors;
    }

    /// <summary>
    /// Runs one daemon for the server at <paramref name="serverUrl"/> until <paramref name="cancellationToken"/>
    /// is canceled (the current job then gets its grace period) or the server refuses the daemon.
    /// </summary>
    public static async Task<ProvisionerDaemonExit> RunRemoteAsync(
        ProvisionerDaemonOptions options, Uri serverUrl, string key, HttpMessageHandler? transport, ILoggerFactory loggers, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        using var http = ProvisionerDaemonClient.Create(serverUrl, key, transport);
        var daemon = new ProvisionerDaemon(http, CreateProvisioners(options, loggers, time), options, loggers.CreateLogger(LoggerCategory), time);
        await using (daemon.ConfigureAwait(false))
        {
            return await daemon.RunAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_daemons.Count > 0)
        {
            DaemonLog.HostStopping(_logger, _daemons.Count);
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_daemons.Select(daemon => daemon.DisposeAsync().AsTask())).ConfigureAwait(false);
        _http?.Dispose();
        _stop.Dispose();
    }
}
