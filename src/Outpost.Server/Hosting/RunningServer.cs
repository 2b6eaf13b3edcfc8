using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Outpost.Provisioner.Daemon;

namespace Outpost.Server.Hosting;

/// <summary>A started server; disposing it stops the host and then the database it owns.</summary>
internal sealed class RunningServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<IAsyncDisposable> _resources;
    private readonly ProvisionerDaemonHost? _daemons;
    private int _disposed;

    public RunningServer(WebApplication app, Uri baseAddress, Uri accessUrl, List<IAsyncDisposable> resources, ProvisionerDaemonHost? daemons = null)
    {
        _app = app;
        _resources = resources;
        _daemons = daemons;
        BaseAddress = baseAddress;
        AccessUrl = accessUrl;
    }

    /// <summary>The address the server is listening on, with a loopback host when bound to all interfaces.</summary>
    public Uri BaseAddress { get; }

    public Uri AccessUrl { get; }

    /// <summary>Where the <c>--prometheus-address</c> listener serves <c>/metrics</c>; null when it is off.</summary>
    public Uri? MetricsAddress { get; init; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The built-in provisioner daemons (none when started with zero).</summary>
    internal ProvisionerDaemonHost? Daemons => _daemons;

    /// <summary>
    /// Completes when SIGINT/SIGTERM arrives (the host's stopping signal) or the token is canceled.
    /// The server is still serving then: <see cref="DisposeAsync"/> stops it, daemons first, so
    /// they can still report their current job through its API.
    /// </summary>
    public async Task WaitForShutdownAsync(CancellationToken cancellationToken)
    {
        var stopping = _app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping);
        try
        {
            await Task.Delay(Timeout.Infinite, either.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (either.IsCancellationRequested)
        {
            // Either is the normal way the server is asked to stop.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        // Daemons first: they finish or fail their current job through this server's API.
        if (_daemons is not null)
        {
            await _daemons.DisposeAsync().ConfigureAwait(false);
        }

        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }

        await _app.DisposeAsync().ConfigureAwait(false);
        await OutpostServer.DisposeAllAsync(_resources).ConfigureAwait(false);
    }
}
