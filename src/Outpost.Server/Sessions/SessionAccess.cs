using Microsoft.AspNetCore.Http;
using Npgsql;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Agents;
using Outpost.Server.Database;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Identity.Authorization;

namespace Outpost.Server.Sessions;

/// <summary>
/// Who may open a session (the one place the data plane decides it): whoever may update the workspace — its owner,
/// and admins and owners for any workspace. Anyone else gets 404, as if the agent did not exist. Agents dial back
/// with their own token (checked as the agent API does) and a ticket.
/// </summary>
internal sealed class SessionAccess(NpgsqlDataSource dataSource, AgentStore agents)
{
    public async Task<(SessionTarget? Target, IResult? Problem)> AuthorizeClientAsync(Guid agentId, HttpContext http, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT w.id, w.owner_id, w.deleted FROM workspace_agents a JOIN workspace_builds b ON b.id = a.build_id JOIN workspaces w ON w.id = b.workspace_id WHERE a.id = $1
            """);
        command.With(agentId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            || reader.GetBoolean(2)
            || !http.GetSubject().Can(ResourceType.Workspace, PermissionAction.Update, reader.GetGuid(1)))
        {
            return (null, Http.Problems.NotFound($"there is no workspace agent {agentId}"));
        }

        var target = new SessionTarget(agentId, reader.GetGuid(0), reader.GetGuid(1));
        await reader.DisposeAsync().ConfigureAwait(false);
        if (await agents.LatestBuildAsync(target.WorkspaceId, cancellationToken).ConfigureAwait(false) is { Transition: not WorkspaceTransition.Start })
        {
            return (null, Http.Problems.Conflict("the workspace is stopped: start it first (outpost start, or --start)"));
        }

        return (target, null);
    }
}
