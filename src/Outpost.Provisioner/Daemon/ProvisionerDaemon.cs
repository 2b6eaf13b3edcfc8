using Microsoft.Extensions.Logging;
using Outpost.Provisioner.Files;
using Outpost.Sdk.Client;
using Outpost.Sdk.Provisioning;

namespace Outpost.Provisioner.Daemon;

/// <summary>
/// A provisioner daemon: asks the server for a job, runs it, reports it, and asks again — one job
/// at a time. Stopping it (cancel the token given to <see cref="RunAsync"/>, or dispose it) lets
/// the current job finish within <see cref="ProvisionerDaemonOptions.ShutdownGracePeriod"/>; after
/// that the job is canceled and failed with a message that says why. A job is never left silently.
/// </summary>
internal sealed partial class ProvisionerDaemon : IAsyncDisposable
{
    public const string ShutdownMessage = "provisioner daemon shut down during the build";
    public const string CanceledMessage = "canceled by user";

    private readonly IProvisionerDaemonClient _client;
    private readonly IReadOnlyDictionary<string, IProvisioner> _provisioners;
    private readonly ProvisionerDaemonOptions _options;
    private readonly FileFetcher _files;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private Task<ProvisionerDaemonExit>? _run;
    private bool _disposed;

    public ProvisionerDaemon(
        IProvisionerDaemonClient client,
        IEnumerable<IProvisioner> provisioners,
        ProvisionerDaemonOptions options,
        ILogger logger,
        TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(provisioners);
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }

        _client = client;
        _provisioners = provisioners.ToDictionary(provisioner => provisioner.Name, StringComparer.Ordinal);
        _options = options;
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _files = new FileFetcher(client, new FileCache(options.EffectiveCacheDirectory, options.MaxCacheBytes, time), options.MaxFileBytes, _logger);
    }

    public string Name => _options.Name;

    /// <summary>Runs until stopped or refused by the server; call once.</summary>
    public Task<ProvisionerDaemonExit> RunAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_run is not null)
            {
                throw new InvalidOperationException("the daemon is already running");
            }

            _run = RunCoreAsync(cancellationToken);
            return _run;
        }
    }

    /// <summary>Stops the daemon gracefully and waits for it (and its current job) to end.</summary>
    public async ValueTask DisposeAsync()
    {
        Task? run;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            run = _run;
        }

        await _stop.CancelAsync().ConfigureAwait(false);

        if (run is not null)
        {
            await run.ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    /// <summary>The server says the job is not this daemon's to report on any more (the reaper took it, or it never was).</summary>
    internal static bool IsJobGone(OutpostApiException exception) => exception.StatusCode is 404 or 409 or 410;

    private static bool IsRefusal(Exception exception, out int statusCode)
    {
        statusCode = exception is OutpostApiException api ? api.StatusCode : 0;
        // Retrying cannot change these: a bad key, a URL that is not an Outpost server with this API
        // (404), or a request the server will never accept (400).
        return statusCode is 400 or 401 or 403 or 404;
    }

    private async Task<ProvisionerDaemonExit> RunCoreAsync(CancellationToken cancellationToken)
    {
        // Off the caller's thread: RunAsync returns at once, whatever the client does synchronously.
        await Task.Yield();
        using var shutdown = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        var request = new AcquireJobRequest { DaemonName = _options.Name, Provisioners = _options.Provisioners, WaitSeconds = _options.WaitSeconds };
        DaemonLog.Started(_logger, _options.Name, string.Join(",", _options.Provisioners));
        var failures = 0;
        try
        {
            // A job handed over with the last completion (acquire_next) is this daemon's already: it
            // runs even when a shutdown began meanwhile, under the same grace period as any job.
            AcquiredJob? next = null;
            while (!shutdown.IsCancellationRequested || next is not null)
            {
                AcquiredJob? job = next;
                next = null;
                try
                {
                    job ??= await _client.AcquireAsync(request, shutdown.Token).ConfigureAwait(false);
                    failures = 0;
                }
                catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex) when (IsRefusal(ex, out var status))
                {
                    DaemonLog.Refused(_logger, _options.Name, status, ex.Message);
                    return new ProvisionerDaemonExit { Error = ex.Message, StatusCode = status };
                }
                catch (Exception ex)
                {
                    failures++;
                    var delay = Backoff.Delay(failures, _options);
                    DaemonLog.AcquireFailed(_logger, failures, (long)delay.TotalMilliseconds, ex.Message);
                    try
                    {
                        await Task.Delay(delay, _time, shutdown.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }

                    continue;
                }

                if (job is null)
                {
                    continue;
                }

                try
                {
                    next = await RunJobAsync(job, request, shutdown.Token).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // The loop outlives any one job: log it, count it, take the next.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    DaemonLog.JobCrashed(_logger, ex, job.JobId);
                }
            }
        }
        finally
        {
            DaemonLog.Stopped(_logger, _options.Name);
        }

        return ProvisionerDaemonExit.Stopped;
    }
}

/// <summary>Why a daemon's run ended: stopped as asked (no error), or refused by the server.</summary>
public sealed record ProvisionerDaemonExit
{
    public static ProvisionerDaemonExit Stopped { get; } = new();

    /// <summary>The server's explanation when it refused the daemon (a bad key, say).</summary>
    public string? Error { get; init; }

    /// <summary>The HTTP status of the refusal.</summary>
    public int StatusCode { get; init; }
}
