using Microsoft.Extensions.Logging.Abstractions;
using Outpost.Agent.ControlPlane;
using Outpost.Agent.Reinit;
using Outpost.Agent.Transport;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Templates;
using Outpost.Testing;

namespace Outpost.Agent.Tests.Reinit;

public sealed class ReinitLoopTests
{
    /// <summary>Answers each wait from a script; the manifest and control plane are never used here.</summary>
    private sealed class ScriptedTransport(params AgentApiResult<ReinitializationEvent>[] answers) : IAgentTransport
    {
        private int _calls;

        public int Calls => _calls;

        public Task<AgentApiResult<ReinitializationEvent>> WaitForReinitAsync(CancellationToken cancellationToken) =>
            Task.FromResult(answers[Math.Min(Interlocked.Increment(ref _calls) - 1, answers.Length - 1)]);

        public Task<AgentApiResult<AgentManifest>> GetManifestAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<AgentApiFailure?> SendLogsAsync(IReadOnlyList<AgentLogLine> lines, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<AgentApiResult<IControlPlaneConnection>> ConnectAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    private static readonly Guid Workspace = Guid.NewGuid();

    private static AgentApiResult<ReinitializationEvent> Event(Guid owner) =>
        AgentApiResult<ReinitializationEvent>.Ok(new ReinitializationEvent { WorkspaceId = Workspace, OwnerId = owner });

    private static AgentApiResult<ReinitializationEvent> Failure(int? status) =>
        AgentApiResult<ReinitializationEvent>.Fail(new AgentApiFailure(status is null ? AgentApiFailureKind.Unreachable : AgentApiFailureKind.Rejected, "no", status));

    private static async Task<List<ReinitializationEvent>> CollectAsync(IAgentTransport transport)
    {
        var events = new List<ReinitializationEvent>();
        var tiny = new Backoff(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(2));
        await foreach (var reinit in ReinitLoop.WatchAsync(transport, tiny, TimeProvider.System, NullLogger.Instance, TestTimeouts.Token()))
        {
            events.Add(reinit);
        }

        return events;
    }

    [Fact]
    public async Task The_loop_retries_lost_streams_passes_events_on_and_stops_at_409()
    {
        var owner = Guid.NewGuid();
        var transport = new ScriptedTransport(Failure(null), Failure(503), Event(owner), Failure(null), Event(owner), Failure(409));

        var events = await CollectAsync(transport).WithTimeout();

        Assert.Equal([owner, owner], events.Select(e => e.OwnerId));
        Assert.Equal(6, transport.Calls);
    }

    [Fact]
    public async Task A_regular_workspace_s_409_ends_the_loop_at_once()
    {
        var transport = new ScriptedTransport(Failure(409));
        Assert.Empty(await CollectAsync(transport).WithTimeout());
        Assert.Equal(1, transport.Calls);
    }

    [Fact]
    public void A_duplicate_event_for_the_same_owner_is_ignored_and_a_legacy_event_without_owner_always_counts()
    {
        var decider = new ReinitDecider();
        var owner = Guid.NewGuid();
        Assert.True(decider.ShouldReinitialize(new ReinitializationEvent { OwnerId = owner }));
        Assert.False(decider.ShouldReinitialize(new ReinitializationEvent { OwnerId = owner }));
        Assert.True(decider.ShouldReinitialize(new ReinitializationEvent { OwnerId = Guid.NewGuid() }));

        var legacy = new ReinitDecider();
        Assert.True(legacy.ShouldReinitialize(new ReinitializationEvent { OwnerId = Guid.Empty }));
        Assert.True(legacy.ShouldReinitialize(new ReinitializationEvent { OwnerId = Guid.Empty }));
    }
}
