using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Outpost.Sdk;
using Outpost.Sdk.Client;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Workspaces;
using Outpost.Telemetry;

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
        Current = workspace;
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
    /// Every snapshot of the workspace, as the server sends it, until <paramref name="cancellationToken"/>
    /// is canceled or the workspace is deleted or gone. Each is observed before it is yielded.
    /// </summary>
    public async IAsyncEnumerable<Workspace> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
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

                    if (snapshot is null)
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
