using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Outpost.Sdk;
using Outpost.Sdk.Client;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Workspaces;
using Outpost.Telemetry;
using Outpost.Telemetry.Workspaces;

namespace Outpost.Cli.Workspaces.Monitoring;

/// <summary>
/// Watches one workspace over SSE and keeps watching: a dropped or refused connection is retried
/// with capped exponential backoff (said once per outage on stderr), and every snapshot — including
/// the one a reconnect or a <c>resync</c> re-reads — feeds the lifecycle telemetry, whose dedupe keeps
/// a re-read state from being counted twice.
/// </summary>
internal sealed partial class WorkspaceMonitor
{
    private static readonly HashSet<WorkspaceStatus> ResetsAgents = [WorkspaceStatus.Pending, WorkspaceStatus.Starting, WorkspaceStatus.Stopping];

    private readonly OutpostApiClient _api;
    private readonly TimeProvider _time;
    private readonly TextWriter _error;
    private readonly ILogger _logger;
    private readonly ITelemetryReporter _telemetry;
    private readonly WorkspaceStateTelemetry _state;
    private readonly Dictionary<string, AgentStateTelemetry> _agents = new(StringComparer.Ordinal);
    private EarlyWatch? _early;

    // The furthest build observed, from a snapshot or a request's answer: an older read arriving later is dropped.
    private WorkspaceBuild _furthest;

    public WorkspaceMonitor(OutpostApiClient api, Workspace workspace, ITelemetryReporter telemetry, TimeProvider time, TextWriter error, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(workspace);
        _api = api;
        _time = time;
        _error = error;
        _logger = logger;
        _telemetry = telemetry;
        WorkspaceName = NameOf(workspace);
        _state = new WorkspaceStateTelemetry(telemetry, time, WorkspaceName);
        Current = workspace;
        _furthest = workspace.LatestBuild;
    }

    /// <summary>The first wait after a lost connection; it doubles up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>"owner/name", the <c>workspaceName</c> of every lifecycle event (telemetry spec §6.1).</summary>
    public string WorkspaceName { get; }

    /// <summary>The last snapshot seen.</summary>
    public Workspace Current { get; private set; }

    /// <summary>How many times the watch was re-established after it was lost.</summary>
    public int Reconnects { get; private set; }

    public static string NameOf(Workspace workspace) => $"{workspace.OwnerName}/{workspace.Name}";

    /// <summary>Records a snapshot: the workspace transition, and forgets the agents when a new build is under way (spec §6.3).</summary>
    public bool Observe(Workspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        if (workspace.LatestBuild.IsBehind(_furthest))
        {
            return false;
        }

        Current = workspace;
        _furthest = workspace.LatestBuild;
        if (ResetsAgents.Contains(workspace.Status))
        {
            foreach (var agent in _agents.Values)
            {
                agent.Reset();
            }
        }

        var build = workspace.LatestBuild;
        return _state.Observe(WireName.Of(workspace.Status), WireName.Of(build.Transition), WireName.Of(build.Reason));
    }

    /// <summary>Records each agent's (status, lifecycle state).</summary>
    public void ObserveAgents(IReadOnlyList<WorkspaceAgent> agents)
    {
        ArgumentNullException.ThrowIfNull(agents);
        foreach (var agent in agents)
        {
            if (!_agents.TryGetValue(agent.Name, out var tracker))
            {
                tracker = new AgentStateTelemetry(_telemetry, _time, WorkspaceName);
                _agents.Add(agent.Name, tracker);
            }

            tracker.Observe(agent.Name, WireName.Of(AgentReadiness.StatusOf(agent, _time.GetUtcNow())), WireName.Of(agent.LifecycleState));
        }
    }

    /// <summary>Reads the latest build's agents and records them.</summary>
    public async Task<IReadOnlyList<WorkspaceAgent>> RefreshAgentsAsync(CancellationToken cancellationToken)
    {
        var agents = await _api.ListWorkspaceAgentsAsync(Current.Id, cancellationToken).ConfigureAwait(false);
        ObserveAgents(agents);
        return agents;
    }

    /// <summary>
    /// Starts watching now, before the caller triggers a build (issue 14 point 7), and returns once
    /// the server has sent the current state — it subscribes before that read, so every change after
    /// this call comes from the stream, however fast the build. The next <see cref="WatchAsync"/>
    /// continues this watch; disposing the result ends it if nobody did.
    /// </summary>
    public async Task<IAsyncDisposable> BeginWatchAsync(CancellationToken cancellationToken)
    {
        var early = new EarlyWatch(cancellationToken);
        var enumerator = WatchStreamAsync(early.Token).GetAsyncEnumerator(early.Token);
        early.Enumerator = enumerator;
        try
        {
            // The first snapshot (observed like any other) proves the subscription is live.
            await enumerator.MoveNextAsync().ConfigureAwait(false);
        }
        catch
        {
            await early.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        _early = early;
        return early;
    }

    /// <summary>
    /// Records the build a request just queued, unless the stream already showed it: the request's
    /// answer is itself an observation of the build's first status.
    /// </summary>
    public bool ObserveQueued(WorkspaceBuild build)
    {
        ArgumentNullException.ThrowIfNull(build);
        if (Current.LatestBuild.Id == build.Id || build.IsBehind(_furthest))
        {
            return false;
        }

        _furthest = build;
        return _state.Observe(WireName.Of(build.Status), WireName.Of(build.Transition), WireName.Of(build.Reason));
    }

    /// <summary>
    /// Every snapshot of the workspace, as the server sends it, until <paramref name="cancellationToken"/>
    /// is canceled or the workspace is deleted or gone. Each is observed before it is yielded. After
    /// <see cref="BeginWatchAsync"/> this continues the watch begun there.
    /// </summary>
    public IAsyncEnumerable<Workspace> WatchAsync(CancellationToken cancellationToken)
    {
        var early = Interlocked.Exchange(ref _early, null);
        return early is null ? WatchStreamAsync(cancellationToken) : ContinueAsync(early, cancellationToken);
    }

    private static async IAsyncEnumerable<Workspace> ContinueAsync(EarlyWatch early, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using (early.ConfigureAwait(false))
        {
            using var link = cancellationToken.Register(early.Cancel);
            var enumerator = early.Enumerator!;
            while (await enumerator.MoveNextAsync().ConfigureAwait(false))
            {
                yield return enumerator.Current;
            }
        }
    }

    /// <summary>A watch begun before its reader: its own cancellation, linked to the command's.</summary>
    private sealed class EarlyWatch(CancellationToken cancellationToken) : IAsyncDisposable
    {
        private readonly CancellationTokenSource _source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        private int _disposed;

        public CancellationToken Token => _source.Token;

        public IAsyncEnumerator<Workspace>? Enumerator { get; set; }

        public void Cancel() => _source.Cancel();

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            await _source.CancelAsync().ConfigureAwait(false);
            if (Enumerator is not null)
            {
                try
                {
                    await Enumerator.DisposeAsync().ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // The stream was being torn down anyway.
                }
            }

            _source.Dispose();
        }
    }

    private async IAsyncEnumerable<Workspace> WatchStreamAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var backoff = InitialBackoff;
        var lost = false;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string? problem = null;
            var stream = _api.WatchWorkspaceAsync(Current.Id, cancellationToken).GetAsyncEnumerator(cancellationToken);
            try
            {
                while (true)
                {
                    Workspace? snapshot;
                    try
                    {
                        if (!await stream.MoveNextAsync().ConfigureAwait(false))
                        {
                            problem = "the server ended the stream";
                            break;
                        }

                        snapshot = stream.Current.Resync
                            ? await _api.GetWorkspaceAsync(Current.Id, cancellationToken).ConfigureAwait(false)
                            : stream.Current.Value;
                    }
                    catch (Exception e) when (IsTransient(e) && !cancellationToken.IsCancellationRequested)
                    {
                        problem = e.Message;
                        break;
                    }

                    // A snapshot read before the answer to our own request (which already showed a later state) is stale.
                    if (snapshot is null || snapshot.LatestBuild.IsBehind(_furthest))
                    {
                        continue;
                    }

                    if (lost)
                    {
                        lost = false;
                        Reconnects++;
                        await _error.WriteLineAsync($"Reconnected to the watch of {WorkspaceName}.").ConfigureAwait(false);
                    }

                    backoff = InitialBackoff;
                    Observe(snapshot);
                    if (snapshot.Resources is { } resources)
                    {
                        ObserveAgents([.. resources.SelectMany(resource => resource.Agents)]);
                    }

                    yield return snapshot;
                    if (snapshot.Deleted)
                    {
                        yield break;
                    }
                }
            }
            finally
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }

            Log.WatchLost(_logger, WorkspaceName, problem, backoff.TotalMilliseconds);
            if (!lost)
            {
                lost = true;
                await _error.WriteLineAsync($"Lost the watch of {WorkspaceName} ({problem}); reconnecting…").ConfigureAwait(false);
            }

            await Task.Delay(backoff, _time, cancellationToken).ConfigureAwait(false);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        }
    }

    /// <summary>A lost connection or a server that is restarting; a 404 (the workspace is gone) or a 4xx is not.</summary>
    private static bool IsTransient(Exception e) => e switch
    {
        OutpostApiException api => api.StatusCode >= 500,
        HttpRequestException or IOException => true,
        TaskCanceledException => true,
        _ => false,
    };

    private static partial class Log
    {
        [LoggerMessage(EventId = Sdk.Diagnostics.OutpostEventIds.Cli + 20, Level = LogLevel.Debug, Message = "The watch of {Workspace} was lost ({Problem}); retrying in {BackoffMs} ms")]
        public static partial void WatchLost(ILogger logger, string workspace, string? problem, double backoffMs);
    }
}
