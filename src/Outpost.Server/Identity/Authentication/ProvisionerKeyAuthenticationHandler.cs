using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Provisionerd;

namespace Outpost.Server.Identity.Authentication;

/// <summary>
/// Authenticates a provisioner daemon by the provisioner key in its
/// <see cref="ProvisionerDaemonApi.KeyHeader"/> header. A daemon acts as
/// <see cref="Authorization.SystemActors.Provisionerd"/>; the policy checks that actor's permission.
/// </summary>
internal sealed class ProvisionerKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory loggers, UrlEncoder encoder, ProvisionerKeyStore keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggers, encoder)
{
    public const string SchemeName = "OutpostProvisionerKey";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var identity = await keys.AuthenticateAsync(Request.Headers[ProvisionerDaemonApi.KeyHeader].ToString(), Context.RequestAborted).ConfigureAwait(false);
        if (identity is null)
        {
            return AuthenticateResult.Fail("no valid provisioner key");
        }

        Context.Features.Set(new AuthenticatedDaemon(identity));
        var claims = new ClaimsIdentity(
        [
            new Claim(IdentityClaims.KeyId, identity.KeyId),
            new Claim(IdentityClaims.ProvisionerKeyName, identity.KeyName),
        ], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(claims), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        return TokenAuthenticationHandler.WriteProblemAsync(Context, StatusCodes.Status401Unauthorized, "Unauthorized",
            $"a valid provisioner key is required in the {ProvisionerDaemonApi.KeyHeader} header; create one with `outpost provisioner keys create <name>`",
            ProblemCodes.ProvisionerKeyInvalid);
    }
}

/// <summary>The daemon a request authenticated as; endpoints of the daemon API take it as a parameter.</summary>
internal sealed record AuthenticatedDaemon(DaemonIdentity Identity)
{
    /// <summary>Minimal-API binding: the daemon the <see cref="ProvisionerKeyAuthenticationHandler"/> found.</summary>
    public static ValueTask<AuthenticatedDaemon?> BindAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ValueTask.FromResult<AuthenticatedDaemon?>(context.Features.Get<AuthenticatedDaemon>()
            ?? throw new InvalidOperationException("The endpoint does not require the provisioner daemon policy."));
    }
}
