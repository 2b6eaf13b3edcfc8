using Outpost.Agent.ControlPlane;
using Outpost.Sdk.Agents;
using Outpost.Testing;

namespace Outpost.Agent.Tests;

/// <summary>A control-plane loop over the fake transport and an observed fake clock, with jitter off.</summary>
internal sealed class ControlPlaneHarness : IAsyncDisposable
{
    public const int ConnectedId = 5005;
    public const int ConnectFailedId = 5006;
    public const int DisconnectedId = 5007;
    public const int UnauthorizedId = 5004;

    private readonly CancellationTokenSource _stop = new();
    private readonly List<ShutdownMessage> _shutdowns = [];
    private readonly List<int> _reconnects = [];
    private Task? _running;

    public ControlPlaneHarness(ControlPlaneOptions? options = null)
    {
        Lifecycle = new LifecycleReporter(Clock);
        Loop = new ControlPlaneLoop(Transport, Lifecycle, options ?? Options, Clock, Log)
        {
            ShutdownRequested = m =>
            {
                lock (_shutdowns)
                {
                    _shutdowns.Add(m);
                }
            },
            Reconnected = (n, _) =>
            {
                lock (_reconnects)
                {
                    _reconnects.Add(n);
                }

                return Task.CompletedTask;
            },
            CollectStats = () => new StatsMessage { CollectedAt = Clock.GetUtcNow(), MemoryBytes = 1234, UptimeSeconds = 1 },
        };
    }

    public static ControlPlaneOptions Options { get; } = new()
    {
        Backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), random: static () => 0.5),
        PeriodicPhase = static () => 1,
    };

    public ObservedClock Clock { get; } = new();

    public FakeAgentTransport Transport { get; } = new();

    public RecordingLogger Log { get; } = new();

    public LifecycleReporter Lifecycle { get; }

    public ControlPlaneLoop Loop { get; }

    public Task Running => _running ?? throw new InvalidOperationException("Not started.");

    public IReadOnlyList<ShutdownMessage> Shutdowns
    {
        get
        {
            lock (_shutdowns)
            {
                return [.. _shutdowns];
            }
        }
    }

    public IReadOnlyList<int> Reconnects
    {
        get
        {
            lock (_reconnects)
            {
                return [.. _reconnects];
            }
        }
    }

    public ControlPlaneHarness Start()
    {
        _running = Task.Run(() => Loop.RunAsync(_stop.Token));
        return this;
    }

    /// <summary>The local shutdown: what the agent does when it stops.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Running.WithTimeout();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_running is not null)
        {
            await _running.WithTimeout();
        }

        _stop.Dispose();
    }
}
