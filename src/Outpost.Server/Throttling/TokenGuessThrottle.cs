using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Validation;

namespace Outpost.Server.Throttling;

/// <summary>
/// Throttles token guessing on every endpoint that takes a credential (user tokens, agent tokens,
/// provisioner keys): each 401 answered to a request that carried one counts against the client
/// address, and once an address has used up its failures in the window, its requests carrying a
/// credential get 429 before any lookup is made.
/// </summary>
internal sealed class TokenGuessThrottle(Identity.IdentityOptions options, TimeProvider time)
{
    private readonly FailureCounter _failures = new(options.TokenFailuresPerAddress, options.LoginWindow, time);

    public static IApplicationBuilder UseTokenGuessThrottle(IApplicationBuilder app) =>
        app.Use(static next => async context =>
        {
            if (!CarriesCredential(context.Request))
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            var throttle = context.RequestServices.GetRequiredService<TokenGuessThrottle>();
            var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
            if (throttle._failures.IsExhausted(address, out var retryAfter))
            {
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await InvalidRequestExceptionHandler.WriteAsync(context.RequestServices.GetRequiredService<IProblemDetailsService>(), context,
                    new InvalidRequest(StatusCodes.Status429TooManyRequests, "too_many_token_failures",
                        $"too many requests with invalid credentials from this address; try again in {seconds} s", null, null, null)).ConfigureAwait(false);
                return;
            }

            await next(context).ConfigureAwait(false);
            if (context.Response.StatusCode == StatusCodes.Status401Unauthorized)
            {
                throttle._failures.TryReserve(address, out _);
                if (throttle._failures.IsExhausted(address, out _))
                {
                    ThrottlingLog.TokenGuessingThrottled(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(ThrottlingLog.Category), address);
                }
            }
        });

    private static bool CarriesCredential(HttpRequest request) =>
        request.Headers.Authorization.Count > 0
        || request.Headers.ContainsKey(TokenAuthenticationHandler.SessionTokenHeader)
        || request.Headers.ContainsKey(ProvisionerDaemonApi.KeyHeader);
}
