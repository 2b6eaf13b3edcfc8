using Npgsql;
using Outpost.Sdk.Agents;
using Outpost.Server.Database;

namespace Outpost.Server.Agents.Identity;

/// <summary>The instance-identity reads and writes of <c>workspace_agents</c>.</summary>
internal sealed class InstanceIdentityStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// The root agents registered for an instance that may authenticate now, by name: agents of each live
    /// workspace's latest build only (every rebuild records new agent rows with the same instance id), never
    /// sub-agents (they have no instance id of their own). One query.
    /// </summary>
    public async Task<List<(Guid Id, string Name)>> RootAgentsAsync(string instanceId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT a.id, a.name
            FROM workspace_agents a
            JOIN workspace_builds b ON b.id = a.build_id
            JOIN workspaces w ON w.id = b.workspace_id AND NOT w.deleted
            WHERE a.auth_instance_id = $1 AND a.parent_id IS NULL
              AND b.build_number = (SELECT max(lb.build_number) FROM workspace_builds lb WHERE lb.workspace_id = b.workspace_id)
            ORDER BY a.name
            """);
        command.With(instanceId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var agents = new List<(Guid, string)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            agents.Add((reader.GetGuid(0), reader.GetString(1)));
        }

        return agents;
    }

    /// <summary>Gives the agent a new token (only its hash is kept); the one before stops working.</summary>
    public async Task<string> IssueTokenAsync(Guid agentId, CancellationToken cancellationToken)
    {
        var token = AgentToken.New();
        await using var command = dataSource.CreateCommand("UPDATE workspace_agents SET auth_token_hash = $2 WHERE id = $1");
        command.With(agentId).With(AgentStore.Hash(token));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return token;
    }
}
