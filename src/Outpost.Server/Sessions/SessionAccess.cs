using Microsoft.AspNetCore.Http;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Agents;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Identity.Authorization;
using Outpost.Server.Workspaces;

namespace Outpost.Server.Sessions;

/// <summary>
/// Who may open a session (the one place the data plane decides it): whoever may update the workspace — its owner,
/// and admins and owners for any workspace. Anyone else gets 404, as if the agent did not exist. Agents dial back
/// with their own token (checked as the agent API does) and a ticket.
/// </summary>
internal sealed class SessionAccess(AgentHistoryStore agents, WorkspaceStore workspaces)
{
    public async Task<(SessionTarget? Target, IResult? Problem)> AuthorizeClientAsync(Guid agentId, HttpContext http, CancellationToken cancellationToken)
    {
        var notFound = Http.Problems.NotFound($"there is no workspace agent {agentId}", ProblemCodes.AgentNotFound);
        if (await agents.WorkspaceOfAsync(agentId, cancellationToken).ConfigureAwait(false) is not var (workspaceId, ownerId)
            || !http.GetSubject().Can(ResourceType.Workspace, PermissionAction.Update, ownerId)
            || await workspaces.GetAsync(workspaceId, cancellationToken).ConfigureAwait(false) is not { Deleted: false } workspace)
        {
            return (null, notFound);
        }

        if (workspace.LatestBuild.Transition != WorkspaceTransition.Start)
        {
            return (null, Http.Problems.Conflict("the workspace is stopped: start it first (outpost start, or --start)"));
        }

        return (new SessionTarget(agentId, workspaceId, ownerId), null);
    }
}
