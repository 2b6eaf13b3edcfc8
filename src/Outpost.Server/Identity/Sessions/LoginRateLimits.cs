using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Outpost.Server.Throttling;

namespace Outpost.Server.Identity.Sessions;

/// <summary>
/// Login attempts are limited twice: per client address by the rate-limiting middleware (policy
/// <see cref="AddressPolicy"/>), and per (account, client address) inside the login endpoint,
/// where the email is known. Either limit answers 429 with Retry-After.
/// </summary>
/// <remarks>
/// A failure is reserved before the password is checked and given back when the login succeeds,
/// so thirty concurrent wrong passwords cannot all pass a limit of ten before any is counted; and
/// because the key includes the client address, a stranger's failures never lock the owner out.
/// </remarks>
internal sealed class LoginRateLimits(IdentityOptions options, TimeProvider time)
{
    public const string AddressPolicy = "login-per-address";

    private readonly FailureCounter _failures = new(options.LoginAttemptsPerAccount, options.LoginWindow, time);

    public IdentityOptions Options { get; } = options;

    /// <summary>Reserves one failed attempt for this account from this address; false when none is left in the window.</summary>
    public bool TryReserveFailure(string email, string address, out TimeSpan retryAfter) =>
        _failures.TryReserve(Key(email, address), out retryAfter);

    /// <summary>The attempt succeeded: its reserved failure is given back.</summary>
    public void ReleaseFailure(string email, string address) => _failures.Release(Key(email, address));

    private static string Key(string email, string address) => email.Trim().ToLowerInvariant() + "\n" + address;

    public static void AddAddressPolicy(IServiceCollection services, IdentityOptions options)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(AddressPolicy, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = options.LoginAttemptsPerAddress, Window = options.LoginWindow, QueueLimit = 0 }));
            limiter.OnRejected = static async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                await WriteTooManyAsync(context.HttpContext, retryAfter, "from this address").ConfigureAwait(false);
            };
        });
    }

    public static Task WriteTooManyAsync(HttpContext context, TimeSpan retryAfter, string scope)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return Authentication.TokenAuthenticationHandler.WriteProblemAsync(context, StatusCodes.Status429TooManyRequests, "Too many login attempts",
            $"too many login attempts {scope}; try again in {seconds} s");
    }
}
