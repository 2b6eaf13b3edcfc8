namespace Outpost.Server.Identity;

/// <summary>Lifetimes and limits of the identity feature.</summary>
internal sealed record IdentityOptions
{
    public TimeSpan AccessTokenLifetime { get; init; } = TimeSpan.FromHours(1);

    public TimeSpan RefreshTokenLifetime { get; init; } = TimeSpan.FromDays(30);

    public TimeSpan DefaultApiTokenLifetime { get; init; } = TimeSpan.FromDays(30);

    public TimeSpan MaxApiTokenLifetime { get; init; } = TimeSpan.FromDays(365);

    public int PasswordHashIterations { get; init; } = Passwords.PasswordHasher.OwaspIterations;

    /// <summary>Failed login attempts allowed per account in <see cref="LoginWindow"/>.</summary>
    public int LoginAttemptsPerAccount { get; init; } = 10;

    /// <summary>Login attempts (failed or not) allowed per client address in <see cref="LoginWindow"/>.</summary>
    public int LoginAttemptsPerAddress { get; init; } = 60;

    /// <summary>Requests with an invalid credential (any token or key) allowed per client address in <see cref="LoginWindow"/>.</summary>
    public int TokenFailuresPerAddress { get; init; } = 100;

    public TimeSpan LoginWindow { get; init; } = TimeSpan.FromMinutes(5);
}
