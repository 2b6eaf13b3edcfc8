using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Sessions;
using Outpost.Server.Connections;
using Outpost.Server.Http;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Identity.Authorization;

namespace Outpost.Server.Sessions;

/// <summary>
/// <c>POST /api/v2/workspaceagents/me/direct-sessions</c> (the agent's token): an agent reports a direct session that
/// ended, and it becomes a closed connection-log row with path <c>direct</c>. The relay saw none of it, so the row's
/// bytes and end are the agent's word, for its own workspace only.
/// </summary>
internal static class DirectSessionEndpoints
{
    public const string Path = "direct";

    private const int MaxDetailLength = 1024;

    public static IEndpointRouteBuilder MapDirectSessionReports(this IEndpointRouteBuilder routes)
    {
        routes.MapPost($"{AgentApi.Prefix}/{DirectSessionReport.Path}", static async (
            DirectSessionReport report, AuthenticatedAgent caller, ConnectionLogStore connectionLog, CancellationToken cancellationToken) =>
        {
            var problem = !Enum.IsDefined(report.Kind) ? "kind: not a session kind"
                : report.EndedAt < report.StartedAt ? "ended_at: before started_at"
                : report.BytesToAgent < 0 || report.BytesToClient < 0 ? "bytes_to_agent, bytes_to_client: negative"
                : report.ClientAddress.Length is 0 or > 64 ? "client_address: 1-64 characters"
                : report.DisconnectDetail.Length > MaxDetailLength ? $"disconnect_detail: longer than {MaxDetailLength} characters"
                : report.DisconnectReason.Length is 0 or > 64 || report.DisconnectInitiator.Length is 0 or > 64 ? "disconnect_reason, disconnect_initiator: 1-64 characters"
                : report.TraceId is { } trace && !IsTraceId(trace) ? "trace_id: 32 lowercase hexadecimal characters, not all zero"
                : null;
            if (problem is not null)
            {
                return Problems.BadRequest(problem, ProblemCodes.ValidationFailed);
            }

            var agent = caller.Agent;
            var type = new SessionHeader { Kind = report.Kind, ConnectionType = report.ConnectionType }.LogType();
            await connectionLog.OpenSessionAsync(new SessionRow(report.Id, type, agent.Id, agent.WorkspaceId, report.UserId, report.ClientAddress, Path, report.StartedAt, report.TraceId), cancellationToken).ConfigureAwait(false);
            await connectionLog.CloseAsync(report.Id, report.EndedAt, new ConnectionEnd(new DisconnectReason(report.DisconnectReason), new DisconnectInitiator(report.DisconnectInitiator),
                report.DisconnectDetail, report.BytesToAgent, report.BytesToClient), cancellationToken).ConfigureAwait(false);
            return Results.NoContent();
        }).RequireAuthorization(CallerPolicies.WorkspaceAgent).WithName("ReportDirectSession")
            .WithSummary("An agent reports a direct session that ended; it is recorded in the connection log with path direct.");
        return routes;
    }

    private static bool IsTraceId(string value) =>
        value.Length == 32 && value.All(static c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f')) && value.Any(static c => c != '0');
}
