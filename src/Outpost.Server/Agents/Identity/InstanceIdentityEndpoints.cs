using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Server.Http;
using Outpost.Server.Identity.Sessions;

namespace Outpost.Server.Agents.Identity;

/// <summary>
/// <c>POST /api/v2/workspaceagents/{aws,azure,google}-instance-identity</c> (<see cref="InstanceIdentityApi"/>): anonymous,
/// since the signed document is the credential, and rate limited per client address like logins.
/// </summary>
internal static class InstanceIdentityEndpoints
{
    public static IEndpointRouteBuilder MapInstanceIdentity(this IEndpointRouteBuilder routes)
    {
        routes.MapPost(InstanceIdentityApi.AwsPath, static async Task<Results<Ok<InstanceIdentityResponse>, ProblemHttpResult>> (
            AwsInstanceIdentityRequest request, InstanceIdentityService identity, HttpContext http, CancellationToken cancellationToken) =>
        {
            if ((TooLong(request.Signature, "signature") ?? TooLong(request.Document, "document")) is { } tooLong)
            {
                return tooLong;
            }

            return await identity.AuthenticateAsync("aws", identity.Aws.Verify(request.Signature, request.Document), request.AgentName, http, cancellationToken).ConfigureAwait(false);
        }).Describe("AwsInstanceIdentity", "Trades an EC2 instance identity document and its signature for the named (or only) root agent's session token.");

        routes.MapPost(InstanceIdentityApi.AzurePath, static async Task<Results<Ok<InstanceIdentityResponse>, ProblemHttpResult>> (
            AzureInstanceIdentityRequest request, InstanceIdentityService identity, HttpContext http, CancellationToken cancellationToken) =>
        {
            if (TooLong(request.Signature, "signature") is { } tooLong)
            {
                return tooLong;
            }

            return await identity.AuthenticateAsync("azure", identity.Azure.Verify(request.Encoding, request.Signature), request.AgentName, http, cancellationToken).ConfigureAwait(false);
        }).Describe("AzureInstanceIdentity", "Trades Azure attested data (PKCS#7) for the named (or only) root agent's session token.");

        routes.MapPost(InstanceIdentityApi.GooglePath, static async Task<Results<Ok<InstanceIdentityResponse>, ProblemHttpResult>> (
            GoogleInstanceIdentityRequest request, InstanceIdentityService identity, HttpContext http, CancellationToken cancellationToken) =>
        {
            if (TooLong(request.JsonWebToken, "json_web_token") is { } tooLong)
            {
                return tooLong;
            }

            var check = await identity.Google.VerifyAsync(request.JsonWebToken, cancellationToken).ConfigureAwait(false);
            return await identity.AuthenticateAsync("google", check, request.AgentName, http, cancellationToken).ConfigureAwait(false);
        }).Describe("GoogleInstanceIdentity", "Trades a Compute Engine identity token (JWT) for the named (or only) root agent's session token.");
        return routes;
    }

    private static RouteHandlerBuilder Describe(this RouteHandlerBuilder route, string name, string summary) =>
        route.WithName(name).WithSummary(summary).WithTags("Workspace agent API")
            .DocumentsProblem(StatusCodes.Status401Unauthorized, ProblemCodes.InstanceIdentityInvalid)
            .DocumentsProblem(StatusCodes.Status404NotFound, ProblemCodes.AgentNotFound)
            .DocumentsProblem(StatusCodes.Status409Conflict, ProblemCodes.AgentNameRequired)
            .AllowAnonymous().RequireRateLimiting(LoginRateLimits.AddressPolicy);

    private static ProblemHttpResult? TooLong(string value, string field) => value.Length > InstanceIdentityApi.MaxDocumentLength
        ? Problems.BadField(field, $"{field} is longer than {InstanceIdentityApi.MaxDocumentLength:N0} characters; send the document exactly as the metadata service served it")
        : null;
}

/// <summary>The checkers of each cloud and the lookup that turns a proven instance id into one agent's token.</summary>
internal sealed class InstanceIdentityService(
    AwsIdentityVerifier aws, AzureIdentityVerifier azure, GoogleIdentityVerifier google, InstanceIdentityStore store, ILoggerFactory loggers)
{
    private readonly ILogger _log = loggers.CreateLogger(AgentApiLog.Category);

    public AwsIdentityVerifier Aws => aws;

    public AzureIdentityVerifier Azure => azure;

    public GoogleIdentityVerifier Google => google;

    public async Task<Results<Ok<InstanceIdentityResponse>, ProblemHttpResult>> AuthenticateAsync(
        string cloud, IdentityCheck check, string? agentName, HttpContext http, CancellationToken cancellationToken)
    {
        var address = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (check.Malformed)
        {
            return Problems.BadField(check.Field!, check.Failure!);
        }

        if (check.InstanceId is not { } instanceId)
        {
            InstanceIdentityLog.Refused(_log, cloud, address, check.Failure!);
            return Problems.Unauthorized($"the {cloud} instance identity was not accepted: {check.Failure}", ProblemCodes.InstanceIdentityInvalid);
        }

        var candidates = await store.RootAgentsAsync(instanceId, cancellationToken).ConfigureAwait(false);
        if (candidates.Count == 0)
        {
            // Said the same way as a bad signature would be, to the client: the caller learns nothing about which
            // instances have workspaces. The log says which it was.
            InstanceIdentityLog.Refused(_log, cloud, address, $"no agent of a live workspace's latest build is registered for instance {instanceId}");
            return Problems.Unauthorized($"the {cloud} instance identity was not accepted: no workspace agent is registered for this instance",
                ProblemCodes.InstanceIdentityInvalid);
        }

        var selector = InstanceIdentityApi.SelectorOf(agentName);
        (Guid Id, string Name) chosen;
        if (selector is not null)
        {
            var named = candidates.FindIndex(c => string.Equals(c.Name, selector, StringComparison.Ordinal));
            if (named < 0)
            {
                return Problems.NotFound($"this instance has no agent named \"{selector}\"; its agents are {Names(candidates)}", ProblemCodes.AgentNotFound);
            }

            chosen = candidates[named];
        }
        else if (candidates.Count > 1)
        {
            var names = candidates.Select(c => c.Name).Order(StringComparer.Ordinal).ToList();
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict",
                detail: $"{candidates.Count} agents share this instance; set {AgentEnvironment.AgentName} (or outpost agent --agent-name) to one of: {string.Join(", ", names)}",
                extensions: new Dictionary<string, object?> { [Problems.CodeMember] = ProblemCodes.AgentNameRequired, ["agent_names"] = names });
        }
        else
        {
            chosen = candidates[0];
        }

        var token = await store.IssueTokenAsync(chosen.Id, cancellationToken).ConfigureAwait(false);
        InstanceIdentityLog.Authenticated(_log, chosen.Name, chosen.Id, cloud, address);
        return TypedResults.Ok(new InstanceIdentityResponse { SessionToken = token });
    }

    private static string Names(List<(Guid Id, string Name)> candidates) =>
        string.Join(", ", candidates.Select(c => c.Name).Order(StringComparer.Ordinal));
}

internal static partial class InstanceIdentityLog
{
    [LoggerMessage(EventId = Sdk.Diagnostics.OutpostEventIds.Agent + 130, Level = LogLevel.Information,
        Message = "Agent {AgentName} ({AgentId}) authenticated with its {Cloud} instance identity from {RemoteAddress}; it has a new token")]
    public static partial void Authenticated(ILogger logger, string agentName, Guid agentId, string cloud, string remoteAddress);

    [LoggerMessage(EventId = Sdk.Diagnostics.OutpostEventIds.Agent + 131, Level = LogLevel.Warning,
        Message = "A {Cloud} instance identity from {RemoteAddress} was refused: {Reason}")]
    public static partial void Refused(ILogger logger, string cloud, string remoteAddress, string reason);
}
