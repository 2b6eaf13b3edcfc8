using Microsoft.Extensions.Logging;
using Outpost.Agent.ControlPlane;
using Outpost.Agent.Logs;
using Outpost.Agent.Scripts;
using Outpost.Agent.Sessions;
using Outpost.Agent.Transport;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Sessions;

namespace Outpost.Agent;

/// <summary>
/// The workspace agent: fetch the manifest, keep the control plane up, run the startup scripts
/// (created → starting → ready, start_timeout or start_error), wait for a shutdown (a signal, or the
/// server because a build stops the workspace), run the shutdown scripts (shutting_down → off,
/// shutdown_timeout or shutdown_error), deliver the last state and logs, and stop.
/// </summary>
internal sealed class WorkspaceAgent
{
    private readonly AgentOptions _options;
    private readonly IAgentTransport _transport;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly long _startedAt;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Tasks.TaskLifecycleCloses _taskCloses;
    private readonly TaskCompletionSource _stopReasonKnown = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private AgentManifest? _manifest;
    private volatile bool _restarting;

    public WorkspaceAgent(AgentOptions options, IAgentTransport transport, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _transport = transport;
        _logger = logger;
        _time = options.Time;
        _startedAt = _time.GetTimestamp();
        _taskCloses = new Tasks.TaskLifecycleCloses(_time);
        Lifecycle = new LifecycleReporter(_time);
        Sessions = new AgentSessions(options.Sessions, () => ScriptContextFor(Manifest!), _time, logger);
    }

    /// <summary>The data plane: sessions dialed back to the relay.</summary>
    public AgentSessions Sessions { get; }

    public LifecycleReporter Lifecycle { get; }

    /// <summary>The latest manifest (re-fetched after every reconnect); null until the first arrives.</summary>
    public AgentManifest? Manifest => Volatile.Read(ref _manifest);

    /// <summary>The lifecycle action closing the agent's task runs (issue 23), or null while none is.</summary>
    internal Telemetry.Runs.LifecycleCloseAction? ClosingAction => _taskCloses.Current;

    /// <summary>Null until the agent has a manifest and runs its control plane.</summary>
    public ControlPlaneLoop? ControlPlane { get; private set; }

    /// <summary>Starts the shutdown (also what a SIGTERM does); safe to call more than once.</summary>
    public void RequestShutdown()
    {
        // A task run this closes records why (issue 23); a workspace stop or a restart began its own action first.
        _taskCloses.Begin(Sdk.Tasks.LifecycleKind.AgentShutdown);
        _shutdown.Cancel();
    }

    /// <summary>
    /// How long a signal waits for the server's word on why the workspace stops. The provisioner signals the agent while
    /// running a stop build, and the server sends its shutdown message as that build appears: the two race (issue 23 saw
    /// the signal first in a third of the runs), so the signal gives the message a bounded moment to arrive.
    /// </summary>
    public static TimeSpan StopReasonWait { get; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Starts the shutdown for a signal (SIGTERM, SIGINT). While the control plane is connected the shutdown waits — at
    /// most <see cref="StopReasonWait"/>, ended at once by the server's shutdown message — so that a task run and the
    /// sessions it closes record the workspace stop that caused the signal, not just "the agent shut down".
    /// </summary>
    public void RequestShutdownOnSignal()
    {
        if (ControlPlane is not { IsConnected: true } || _shutdown.IsCancellationRequested)
        {
            RequestShutdown();
            return;
        }

        _ = ShutdownOnceTheStopReasonIsKnownAsync();
    }

    private async Task ShutdownOnceTheStopReasonIsKnownAsync()
    {
        try
        {
            await _stopReasonKnown.Task.WaitAsync(StopReasonWait, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // No stop build behind the signal (someone else sent it): the agent shuts down for itself.
            AgentLog.NoStopReason(_logger, (long)StopReasonWait.TotalMilliseconds);
        }

        RequestShutdown();
    }

    /// <summary>
    /// Ends the run for a restart (a prebuild claim, seed 003): sessions and the control plane stop,
    /// pending logs are delivered, no shutdown script runs; the host starts a new agent, which fetches
    /// the new owner's manifest and runs the startup scripts again.
    /// </summary>
    public void RequestRestart()
    {
        _restarting = true;
        _taskCloses.Begin(Sdk.Tasks.LifecycleKind.AgentReinitialize);
        _shutdown.Cancel();
    }

    /// <summary>Runs until shut down by <see cref="RequestShutdown"/>, <paramref name="stop"/> or the server; returns the final state.</summary>
    public async Task<AgentLifecycleState> RunAsync(CancellationToken stop)
    {
        AgentLog.Starting(_logger, _options.AgentName, _options.ServerUrl);
        using var stopRegistration = stop.Register(RequestShutdown);

        // One span from the process start to the state the startup scripts reach, under the build that started the agent.
        var starting = AgentDiagnostics.ActivitySource.StartActivity("agent start", System.Diagnostics.ActivityKind.Internal, _options.TraceParent);
        starting?.SetTag("outpost.agent.name", _options.AgentName);
        AgentManifest? manifest;
        using (AgentDiagnostics.ActivitySource.StartActivity("manifest"))
        {
            manifest = await FetchManifestAsync(_shutdown.Token).ConfigureAwait(false);
        }

        if (manifest is null)
        {
            starting?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, "no manifest");
            starting?.Dispose();
            AgentLog.Stopped(_logger, WireName.Of(Lifecycle.State));
            return Lifecycle.State;
        }

        Volatile.Write(ref _manifest, manifest);
        await using var sink = AgentDiagnostics.Unparented(() => new AgentLogSink(_transport, _time, _logger));
        var runner = new ScriptRunner(sink, _time, _logger);
        using var loopStop = new CancellationTokenSource();
        ControlPlane = new ControlPlaneLoop(_transport, Lifecycle, _options.ControlPlane, _time, _logger)
        {
            HeartbeatInterval = () => TimeSpan.FromSeconds(Math.Max(1, Manifest!.HeartbeatIntervalSeconds)),
            CollectStats = CollectStats,
            Reconnected = RefreshManifestAsync,
            ShutdownRequested = OnShutdownRequested,
            SessionDialRequested = dial => _ = DialAsync(dial),
        };
        var loop = AgentDiagnostics.Unparented(() => ControlPlane.RunAsync(loopStop.Token));
        var direct = _options.Direct is { } listener && DirectTicket.PublicKeyFrom(manifest.DirectTicketPublicKey) is { } serverKey
            ? AgentDiagnostics.Unparented(() => listener.RunAsync(new DirectTicketVerifier(serverKey, manifest.AgentId, _time), Sessions, ReportDirectSessionAsync, _time, _logger, loopStop.Token))
            : Task.CompletedTask;

        SetState(AgentLifecycleState.Starting);
        ScriptOutcomeKind started;
        using (AgentDiagnostics.ActivitySource.StartActivity("startup scripts"))
        {
            started = await RunScriptsAsync(runner, static s => s.RunOnStart, _shutdown.Token).ConfigureAwait(false);
        }

        var reached = _shutdown.IsCancellationRequested ? (AgentLifecycleState?)null : started switch
        {
            ScriptOutcomeKind.TimedOut => AgentLifecycleState.StartTimeout,
            ScriptOutcomeKind.Succeeded => AgentLifecycleState.Ready,
            _ => AgentLifecycleState.StartError,
        };
        starting?.SetTag("outpost.agent.lifecycle", reached is { } state ? WireName.Of(state) : "shutting_down");
        starting?.SetStatus(reached == AgentLifecycleState.Ready ? System.Diagnostics.ActivityStatusCode.Ok : System.Diagnostics.ActivityStatusCode.Error);
        starting?.Dispose();
        if (reached is { } outcome)
        {
            SetState(outcome);

            // A task workspace's coding loop starts once the startup scripts have prepared the workspace, and ends with the agent.
            var task = Tasks.TaskAgent.Start(manifest, ScriptContextFor(Manifest!), _options.TaskChannel, _options.TaskLimits, _time, _logger, _shutdown.Token, _taskCloses, _options.Telemetry);
            await WaitForShutdownAsync().ConfigureAwait(false);
            if (task is not null)
            {
                await task.ConfigureAwait(false);
            }
        }

        if (_restarting)
        {
            await Sessions.StopAllAsync(new SessionEnd(DisconnectReason.ServerShutdown, DisconnectInitiator.Agent, "the agent is reinitialising for the workspace's new owner")).ConfigureAwait(false);
            await DeliverAsync(sink).ConfigureAwait(false);
            await loopStop.CancelAsync().ConfigureAwait(false);
            await loop.ConfigureAwait(false);
            await direct.ConfigureAwait(false);
            return Lifecycle.State;
        }

        await Sessions.StopAllAsync(new SessionEnd(DisconnectReason.ServerShutdown, DisconnectInitiator.Agent, "the agent is shutting down")).ConfigureAwait(false);
        SetState(AgentLifecycleState.ShuttingDown);
        var stopped = await RunScriptsAsync(runner, static s => s.RunOnStop, CancellationToken.None).ConfigureAwait(false);
        var final = stopped switch
        {
            ScriptOutcomeKind.TimedOut => AgentLifecycleState.ShutdownTimeout,
            ScriptOutcomeKind.Succeeded => AgentLifecycleState.Off,
            _ => AgentLifecycleState.ShutdownError,
        };
        SetState(final);

        await DeliverAsync(sink).ConfigureAwait(false);
        await loopStop.CancelAsync().ConfigureAwait(false);
        await loop.ConfigureAwait(false);
        await direct.ConfigureAwait(false);
        AgentLog.Stopped(_logger, WireName.Of(final));
        return final;
    }

    private void OnShutdownRequested(ShutdownMessage shutdown)
    {
        // Sessions learn first that the workspace is going away; the first reason given wins.
        if (shutdown.Reason == AgentApi.WorkspaceStoppedCloseReason)
        {
            _taskCloses.Begin(Sdk.Tasks.LifecycleKind.WorkspaceStop);
            _stopReasonKnown.TrySetResult();
            _ = Sessions.StopAllAsync(new SessionEnd(DisconnectReason.WorkspaceStopped, DisconnectInitiator.Server,
                $"build {shutdown.BuildId} ({(shutdown.Transition is { } transition ? WireName.Of(transition) : "none")}) stops the workspace"));
        }

        RequestShutdown();
    }

    private async Task ReportDirectSessionAsync(DirectSessionReport report)
    {
        if (await _transport.ReportDirectSessionAsync(report, CancellationToken.None).ConfigureAwait(false) is { } failure)
        {
            AgentSessionLog.DirectReportFailed(_logger, report.Id, failure.Message);
        }
    }

    private async Task DialAsync(SessionDialMessage dial)
    {
        // The session continues the trace of the client's request that opened it (issue 24: sessions carry the opener's trace).
        using var activity = AgentDiagnostics.ActivitySource.StartActivity("session", System.Diagnostics.ActivityKind.Server, dial.TraceParent);
        var result = await _transport.DialSessionAsync(dial.RelayUrl, dial.Ticket, _shutdown.Token).ConfigureAwait(false);
        if (result.Value is not { } socket)
        {
            AgentSessionLog.DialFailed(_logger, dial.RelayUrl, result.Failure!.Message);
            return;
        }

        using (socket)
        {
            await Sessions.ServeAsync(socket, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private void SetState(AgentLifecycleState state)
    {
        var change = Lifecycle.Set(state);
        AgentLog.LifecycleChanged(_logger, WireName.Of(change.State), change.ChangedAt);
    }

    private async Task<AgentManifest?> FetchManifestAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            AgentApiResult<AgentManifest> result;
            try
            {
                result = await _transport.GetManifestAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return null;
            }

            if (result.Value is { } manifest)
            {
                AgentLog.ManifestReceived(_logger, manifest.AgentName, manifest.OwnerName, manifest.WorkspaceName, manifest.Scripts.Count, manifest.Directory);
                return manifest;
            }

            var delay = _options.ManifestBackoff.Delay(attempt);
            if (result.Failure!.Kind == AgentApiFailureKind.Unauthorized)
            {
                AgentLog.Unauthorized(_logger, "fetching the manifest", attempt, result.Failure.Message, (long)delay.TotalMilliseconds);
            }
            else
            {
                AgentLog.ManifestFailed(_logger, attempt, result.Failure.Message, (long)delay.TotalMilliseconds);
            }

            try
            {
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }
    }

    private async Task RefreshManifestAsync(int connection, CancellationToken cancellationToken)
    {
        var result = await _transport.GetManifestAsync(cancellationToken).ConfigureAwait(false);
        if (result.Value is { } manifest)
        {
            Volatile.Write(ref _manifest, manifest);
            AgentLog.ManifestRefreshed(_logger, connection);
        }
        else
        {
            AgentLog.ManifestRefreshFailed(_logger, result.Failure!.Message);
        }
    }

    private async Task<ScriptOutcomeKind> RunScriptsAsync(ScriptRunner runner, Func<AgentScript, bool> which, CancellationToken cancellationToken)
    {
        var manifest = Manifest!;
        var scripts = manifest.Scripts.Where(which).ToList();
        if (scripts.Count == 0)
        {
            return ScriptOutcomeKind.Succeeded;
        }

        var context = ScriptContextFor(manifest);
        var outcomes = await Task.WhenAll(scripts.Select(s => runner.RunAsync(s, context, cancellationToken))).ConfigureAwait(false);

        // A hung script is the more specific finding: it is reported over a failed one.
        return outcomes.Any(o => o.Kind == ScriptOutcomeKind.TimedOut) ? ScriptOutcomeKind.TimedOut
            : outcomes.Any(o => o.Kind == ScriptOutcomeKind.Canceled) ? ScriptOutcomeKind.Canceled
            : outcomes.All(o => o.Kind == ScriptOutcomeKind.Succeeded) ? ScriptOutcomeKind.Succeeded
            : ScriptOutcomeKind.Failed;
    }

    private ScriptContext ScriptContextFor(AgentManifest manifest)
    {
        var directory = manifest.Directory;
        if (string.IsNullOrEmpty(directory) || !Directory.Exists(directory))
        {
            var fallback = Environment.CurrentDirectory;
            AgentLog.DirectoryMissing(_logger, directory, fallback);
            directory = fallback;
        }

        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (name, value) in manifest.Environment)
        {
            environment[name] = value;
        }

        environment[AgentEnvironment.AgentId] = manifest.AgentId.ToString();
        environment[AgentEnvironment.AgentName] = manifest.AgentName;
        environment[AgentEnvironment.WorkspaceId] = manifest.WorkspaceId.ToString();
        environment[AgentEnvironment.WorkspaceName] = manifest.WorkspaceName;
        environment[AgentEnvironment.WorkspaceOwner] = manifest.OwnerName;

        // Scripts run the user's code: the agent's credential stays with the agent.
        environment[AgentEnvironment.AgentToken] = null;
        foreach (var (name, value) in _options.ExtraScriptEnvironment)
        {
            environment[name] = value;
        }

        return new ScriptContext { WorkingDirectory = directory, Environment = environment };
    }

    private async Task WaitForShutdownAsync()
    {
        var shutdown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = _shutdown.Token.Register(() => shutdown.TrySetResult());
        await shutdown.Task.ConfigureAwait(false);
    }

    /// <summary>Gives the last lifecycle changes and log lines a bounded chance to reach the server; reports what did not.</summary>
    private async Task DeliverAsync(AgentLogSink sink)
    {
        using var timeout = new CancellationTokenSource(_options.DeliveryTimeout, _time);
        try
        {
            await Task.WhenAll(Lifecycle.WhenSentAsync(timeout.Token), sink.FlushAsync(timeout.Token)).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            if (Lifecycle.PendingCount > 0)
            {
                AgentLog.LifecycleUndelivered(_logger, Lifecycle.PendingCount);
            }

            if (sink.Accepted > sink.Sent)
            {
                AgentLog.LogsUndelivered(_logger, sink.Accepted - sink.Sent);
            }
        }
    }

    private StatsMessage CollectStats() => new()
    {
        CollectedAt = _time.GetUtcNow(),
        SessionCount = Sessions.OpenSessions,
        MemoryBytes = Environment.WorkingSet,
        UptimeSeconds = _time.GetElapsedTime(_startedAt).TotalSeconds,
    };
}
