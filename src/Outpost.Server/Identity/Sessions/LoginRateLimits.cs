using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Outpost.Server.Identity.Sessions;

/// <summary>
/// Login attempts are limited twice: per client address by the rate-limiting middleware (policy
/// <see cref="AddressPolicy"/>), and per account inside the login endpoint, where the email is
/// known. Either limit answers 429 with Retry-After.
/// </summary>
internal sealed class LoginRateLimits : IDisposable
{
    public const string AddressPolicy = "login-per-address";

    private readonly PartitionedRateLimiter<string> _perAccount;

    public LoginRateLimits(IdentityOptions options)
    {
        Options = options;
        _perAccount = PartitionedRateLimiter.Create<string, string>(email => RateLimitPartition.GetFixedWindowLimiter(
            email, _ => new FixedWindowRateLimiterOptions { PermitLimit = options.LoginAttemptsPerAccount, Window = options.LoginWindow, QueueLimit = 0 }));
    }

    public IdentityOptions Options { get; }

    /// <summary>False when this account has used up its failed attempts for the window.</summary>
    public bool AccountMayTry(string email, out TimeSpan retryAfter)
    {
        // Zero permits asks "is any left?" without spending one: only failures count against an
        // account, so its owner is never locked out by logging in successfully.
        using var lease = _perAccount.AttemptAcquire(Key(email), permitCount: 0);
        retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : Options.LoginWindow;
        return lease.IsAcquired;
    }

    public void RecordAccountFailure(string email)
    {
        using var lease = _perAccount.AttemptAcquire(Key(email));
    }

    private static string Key(string email) => email.Trim().ToLowerInvariant();

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

    public void Dispose() => _perAccount.Dispose();
}
