using System.Net;
using System.Net.Http.Json;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Diagnostics;
using Outpost.Sdk.Users;
using Outpost.Server.Provisionerd;
using Outpost.Server.Tests.Identity;
using Outpost.Server.Tests.Workspaces;
using Outpost.Testing;

namespace Outpost.Server.Tests.Diagnostics;

/// <summary>
/// Issue 24: <c>GET /api/v2/deployment/health</c> and the <c>provisioner_daemons</c> table behind it, on the real
/// server and database with daemons played through the real daemon endpoints.
/// </summary>
public sealed class DeploymentHealthTests(WorkspaceServerFixture fixture) : IClassFixture<WorkspaceServerFixture>
{
    [Fact]
    public async Task Daemons_are_recorded_once_per_interval_listed_by_type_with_their_last_contact_and_jobs_nobody_serves_are_named()
    {
        var owner = await WorkspaceApi.LoginAsync(fixture.Client);
        var builder = new TestDaemon(fixture.Client, fixture.DaemonKey, "builder");
        await owner.ReadyTemplateAsync(builder, "health-local");
        await builder.DrainAsync();

        var health = await ReadAsync(owner.Token);
        Assert.True(health.Database.Healthy && health.Database.LatencyMs is >= 0, health.Database.Error);
        Assert.True(health.Pubsub.Healthy && health.Pubsub.LatencyMs is >= 0, health.Pubsub.Error);
        Assert.Equal(fixture.Clock.GetUtcNow(), health.Time);
        Assert.Equal(BuildVersion.Version, health.Version);
        Assert.False(health.AccessUrlConfigured);
        Assert.Equal(fixture.BaseAddress.ToString().TrimEnd('/'), health.AccessUrl);
        var first = Assert.Single(health.ProvisionerDaemons, d => d.Name == "builder");
        Assert.Equal(("local", "built-in", true), (string.Join(",", first.Provisioners), first.KeyName, first.InContact));
        Assert.Empty(health.WaitingJobs);

        // A storm of requests within the interval writes nothing; the first contact after it writes once.
        var seenAt = first.LastSeenAt;
        fixture.Clock.Advance(TimeSpan.FromSeconds(5));
        await builder.TryAcquireAsync(1);
        await builder.TryAcquireAsync(1);
        Assert.Equal(seenAt, (await DaemonAsync("builder")).LastSeenAt);
        fixture.Clock.Advance(ProvisionerDaemonStore.WriteInterval);
        await builder.TryAcquireAsync(1);
        var now = fixture.Clock.GetUtcNow();
        Assert.Equal(Microseconds(now), (await DaemonAsync("builder")).LastSeenAt);
        Assert.Equal(1, await RowsAsync("builder"));

        // A build queued for terraform waits: no daemon in contact serves it. The local daemon falls out of contact.
        var owner2 = await WorkspaceApi.LoginAsync(fixture.Client);
        using var template = await owner2.SendAsync(HttpMethod.Post, "/api/v2/templates", new Sdk.Templates.CreateTemplateRequest { Name = "health-tf", Provisioner = "terraform" });
        Assert.True(template.StatusCode == HttpStatusCode.Created, await template.Content.ReadAsStringAsync());
        var created = (await template.Content.ReadFromJsonAsync<Sdk.Templates.Template>(OutpostJson.Options).WithTimeout())!;
        var version = await owner2.CreateVersionAsync(created.Id, await owner2.UploadAsync(WorkspaceApi.StarterYaml));
        fixture.Clock.Advance(ProvisionerDaemonStore.ContactWindow + TimeSpan.FromSeconds(1));
        var owner3 = await WorkspaceApi.LoginAsync(fixture.Client);
        health = await ReadAsync(owner3.Token);
        Assert.False(Assert.Single(health.ProvisionerDaemons, d => d.Name == "builder").InContact);
        var waiting = Assert.Single(health.WaitingJobs);
        Assert.Equal(("terraform", 1, 0), (waiting.Provisioner, waiting.Count, waiting.DaemonsInContact));

        // A daemon serving terraform comes: the job is no longer unservable (and it takes it).
        var tf = new TestDaemon(fixture.Client, fixture.DaemonKey, "tf-daemon");
        var job = await tf.TryAcquireAsync(1, "terraform");
        Assert.Equal(version.Job.Id, job?.JobId);
        health = await ReadAsync(owner3.Token);
        Assert.Empty(health.WaitingJobs);
        Assert.Contains(health.ProvisionerDaemons, d => d.Name == "tf-daemon" && d.InContact && d.Provisioners.SequenceEqual(["terraform"]));

        // Its job updates count as contact for the daemon that claimed the job.
        fixture.Clock.Advance(ProvisionerDaemonStore.WriteInterval);
        _ = await tf.UpdateAsync(job!.JobId, "working");
        Assert.Equal(Microseconds(fixture.Clock.GetUtcNow()), (await DaemonAsync("tf-daemon")).LastSeenAt);
        (await tf.FailAsync(job.JobId, "done with the test")).Dispose();
    }

    [Fact]
    public async Task A_member_is_refused_with_403_and_anonymous_callers_with_401()
    {
        var owner = await WorkspaceApi.LoginAsync(fixture.Client);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        using (var created = await owner.SendAsync(HttpMethod.Post, "/api/v2/users",
            new CreateUserRequest { Email = $"m-{suffix}@example.com", Username = $"m-{suffix}", Password = "member-password-1" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var member = await IdentityApi.LoginAsync(fixture.Client, $"m-{suffix}@example.com", "member-password-1");
        using var refused = await IdentityApi.SendAsync(fixture.Client, HttpMethod.Get, DeploymentHealthApi.Path, member.AccessToken);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("your role (member) may not read DeploymentConfig", (await IdentityApi.ProblemAsync(refused)).Detail);
        using var anonymous = await IdentityApi.SendAsync(fixture.Client, HttpMethod.Get, DeploymentHealthApi.Path, null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task A_provisioner_key_is_not_a_user_and_is_refused()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, DeploymentHealthApi.Path);
        request.Headers.Add(Sdk.Provisioning.ProvisionerDaemonApi.KeyHeader, fixture.DaemonKey);
        using var response = await fixture.Client.SendAsync(request).WithTimeout();

        Assert.Equal((HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized), (response.StatusCode, (await IdentityApi.ProblemAsync(response)).Code));
    }

    /// <summary>PostgreSQL keeps microseconds.</summary>
    private static DateTimeOffset Microseconds(DateTimeOffset time) => new(time.Ticks - (time.Ticks % 10), time.Offset);

    private async Task<DeploymentHealth> ReadAsync(string token)
    {
        using var response = await IdentityApi.SendAsync(fixture.Client, HttpMethod.Get, DeploymentHealthApi.Path, token);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync(DeploymentHealthJsonContext.Default.DeploymentHealth).WithTimeout())!;
    }

    private async Task<ProvisionerDaemonStatus> DaemonAsync(string name)
    {
        var owner = await WorkspaceApi.LoginAsync(fixture.Client);
        return Assert.Single((await ReadAsync(owner.Token)).ProvisionerDaemons, d => d.Name == name);
    }

    private async Task<long> RowsAsync(string name)
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM provisioner_daemons WHERE name = $1", connection) { Parameters = { new() { Value = name } } };
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
