using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Workspaces;
using Outpost.Server.ProvisionerJobs;
using Outpost.Server.Pubsub;

namespace Outpost.Server.Agents;

/// <summary>
/// Announces an agent's connection and lifecycle changes on its workspace's channel and the
/// all-workspaces channel, so watches push them instead of clients polling <c>/agents</c>.
/// </summary>
/// <remarks>
/// Published after the change committed, in a statement of its own (as <see cref="PubsubOutbox"/>
/// does for builds); a lost message costs a watcher at most its next re-read.
/// </remarks>
internal static class AgentEvents
{
    public static async Task PublishAsync(
        IPubsub pubsub, AgentRecord agent, WorkspaceAgentChange change, AgentLifecycleState? state, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(pubsub);
        ArgumentNullException.ThrowIfNull(agent);
        var payload = JsonSerializer.Serialize(
            new WorkspaceAgentUpdate
            {
                WorkspaceId = agent.WorkspaceId,
                OwnerId = agent.OwnerId,
                AgentId = agent.Id,
                AgentName = agent.Name,
                Change = change,
                LifecycleState = state,
            },
            OutpostJsonContext.Default.WorkspaceAgentUpdate);
        try
        {
            // Not the connection's token: a change that committed is announced even as the agent goes away.
            await pubsub.PublishAsync(JobEvents.WorkspaceChannel(agent.WorkspaceId), payload, CancellationToken.None).ConfigureAwait(false);
            await pubsub.PublishAsync(JobEvents.AllWorkspacesChannel, payload, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException)
        {
            PubsubMetrics.PublishFailures.Add(1);
            AgentApiLog.RecordFailed(logger, "the announcement of an agent change", agent.Id, e.Message);
        }
    }

    /// <summary>The agent update a payload on a workspace channel carries, or null when it is another message (a build update).</summary>
    public static WorkspaceAgentUpdate? Read(string? payload)
    {
        // Build updates have no agent_id; skip the parse for them.
        if (payload is null || !payload.Contains("\"agent_id\"", StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(payload, OutpostJsonContext.Default.WorkspaceAgentUpdate);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
