using Outpost.Server.Hosting;

namespace Outpost.Testing;

/// <summary>
/// The real server with a fake clock (token expiry moves only when a test advances it), generous
/// login limits, and an owner account created at start.
/// </summary>
public class ClockedServerFixture : ServerFixture
{
    public const string OwnerEmail = "owner@example.com";
    public const string OwnerUsername = "owner";
    public const string OwnerPassword = "owner-password-1";

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    /// <summary>False for a fixture whose deployment starts without users.</summary>
    protected virtual bool CreateOwner => true;

    // Generous login limits: these tests log in often; the limits have tests of their own.
    internal override ServerOptions Customize(ServerOptions options) =>
        options with { Time = Clock, Identity = options.Identity with { LoginAttemptsPerAddress = 10_000 } };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        if (!CreateOwner)
        {
            return;
        }

        using var content = new StringContent(
            $$"""{"email":"{{OwnerEmail}}","username":"{{OwnerUsername}}","password":"{{OwnerPassword}}"}""", System.Text.Encoding.UTF8, "application/json");
        using var response = await Client.PostAsync(new Uri("/api/v2/users/first", UriKind.Relative), content).WithTimeout();
        response.EnsureSuccessStatusCode();
    }
}

/// <summary>A clocked server whose deployment has no users yet.</summary>
public sealed class EmptyDeploymentFixture : ClockedServerFixture
{
    protected override bool CreateOwner => false;
}
