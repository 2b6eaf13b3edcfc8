using System.Text;
using Npgsql;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Secrets;
using Outpost.Server.Tests.Identity;
using Outpost.Server.Tests.Workspaces;
using Outpost.Testing;

namespace Outpost.Server.Tests.Secrets;

/// <summary>What a claimed job carries of secrets and state, through the real acquire and complete endpoints.</summary>
public sealed class BuildSecretsTests(WorkspaceServerFixture fixture) : IClassFixture<WorkspaceServerFixture>
{
    private TestDaemon Daemon => new(fixture.Client, fixture.DaemonKey);

    [Fact]
    public async Task Only_start_builds_carry_the_owners_secrets_and_state_is_stored_encrypted()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await Daemon.DrainAsync();
        await api.ReadyTemplateAsync(Daemon, "secrets-carried");
        using (await IdentityApi.SendAsync(fixture.Client, HttpMethod.Post, "/api/v2/users/me/secrets", api.Token,
            new CreateUserSecretRequest { Name = "carried", Value = "carried-value", EnvName = "CARRIED", FilePath = "~/carried" }))
        {
        }

        var workspace = await api.CreateWorkspaceAsync("carrier", "secrets-carried");
        var start = await Daemon.AcquireAsync(workspace.LatestBuild.Job.Id);
        var carried = Assert.Single(start.WorkspaceBuild!.UserSecrets, s => s.EnvName == "CARRIED");
        Assert.Equal(("~/carried", "carried-value"), (carried.FilePath, carried.Value));
        var state = Encoding.UTF8.GetBytes("""{"state":"with carried-value baked in"}""");
        await Daemon.CompleteBuildAsync(start, state);

        var stored = await StoredStateAsync(start.WorkspaceBuild.BuildId);
        Assert.DoesNotContain("carried-value", Encoding.Latin1.GetString(stored), StringComparison.Ordinal);
        Assert.StartsWith("OPS1", Encoding.Latin1.GetString(stored), StringComparison.Ordinal);

        var stopBuild = await api.BuildAsync(workspace.Id, WorkspaceTransition.Stop);
        var stop = await Daemon.AcquireAsync(stopBuild.Job.Id);
        Assert.Empty(stop.WorkspaceBuild!.UserSecrets);
        Assert.Equal(state, stop.WorkspaceBuild.PreviousState);
        await Daemon.CompleteBuildAsync(stop, []);

        var deleteBuild = await api.BuildAsync(workspace.Id, WorkspaceTransition.Delete);
        var delete = await Daemon.AcquireAsync(deleteBuild.Job.Id);
        Assert.Empty(delete.WorkspaceBuild!.UserSecrets);
        await Daemon.CompleteBuildAsync(delete, []);
    }

    [Fact]
    public async Task A_failed_builds_state_is_stored_encrypted_and_the_next_build_continues_from_it()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await Daemon.DrainAsync();
        await api.ReadyTemplateAsync(Daemon, "secrets-failed-apply");
        var workspace = await api.CreateWorkspaceAsync("half-applied", "secrets-failed-apply");
        var first = await Daemon.AcquireAsync(workspace.LatestBuild.Job.Id);
        var good = Encoding.UTF8.GetBytes("""{"serial":1}""");
        await Daemon.CompleteBuildAsync(first, good);

        // A failure without state (the plan failed) leaves the last state as it was.
        var planFailed = await Daemon.AcquireAsync((await api.BuildAsync(workspace.Id, WorkspaceTransition.Start)).Job.Id);
        using (var failed = await Daemon.FailAsync(planFailed.JobId, "terraform plan failed", ProvisionerErrorCodes.TemplateInvalid))
        {
            Assert.Equal(System.Net.HttpStatusCode.NoContent, failed.StatusCode);
        }

        var applyFailed = await Daemon.AcquireAsync((await api.BuildAsync(workspace.Id, WorkspaceTransition.Start)).Job.Id);
        Assert.Equal(good, applyFailed.WorkspaceBuild!.PreviousState);
        var left = Encoding.UTF8.GetBytes("""{"serial":2,"baked":"half-applied-value"}""");
        using (var failed = await Daemon.PostAsync($"/jobs/{applyFailed.JobId}/fail",
            new FailJobRequest { Error = "terraform apply failed", ErrorCode = ProvisionerErrorCodes.ApplyFailed, State = left }))
        {
            Assert.Equal(System.Net.HttpStatusCode.NoContent, failed.StatusCode);
        }

        var stored = await StoredStateAsync(applyFailed.WorkspaceBuild.BuildId);
        Assert.StartsWith("OPS1", Encoding.Latin1.GetString(stored), StringComparison.Ordinal);
        Assert.DoesNotContain("half-applied-value", Encoding.Latin1.GetString(stored), StringComparison.Ordinal);
        Assert.Equal(ProvisionerJobStatus.Failed, (await api.GetWorkspaceAsync(workspace.Id)).LatestBuild.Job.Status);

        // Any daemon's next build gets what the failed apply left, decrypted.
        var other = new TestDaemon(fixture.Client, fixture.DaemonKey, "another-machine");
        var stop = await other.AcquireAsync((await api.BuildAsync(workspace.Id, WorkspaceTransition.Stop)).Job.Id);
        Assert.Equal(left, stop.WorkspaceBuild!.PreviousState);
        await other.CompleteBuildAsync(stop, []);
    }

    [Fact]
    public async Task A_database_error_while_loading_secrets_fails_the_start_build_and_a_stop_does_not_need_them()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await Daemon.DrainAsync();
        await api.ReadyTemplateAsync(Daemon, "secrets-broken");
        var workspace = await api.CreateWorkspaceAsync("broken", "secrets-broken");
        await Daemon.CompleteBuildAsync(await Daemon.AcquireAsync(workspace.LatestBuild.Job.Id), [1]);

        await ExecuteAsync("ALTER TABLE user_secrets RENAME TO user_secrets_away");
        try
        {
            var restart = await api.BuildAsync(workspace.Id, WorkspaceTransition.Start);
            // The start is claimed, fails, and is never handed out: the daemon gets nothing.
            Assert.Null(await Daemon.TryAcquireAsync(1));
            var failed = (await api.GetWorkspaceAsync(workspace.Id)).LatestBuild;
            Assert.Equal(restart.Id, failed.Id);
            Assert.Equal(ProvisionerJobStatus.Failed, failed.Job.Status);
            Assert.Equal("secrets_unavailable", failed.Job.ErrorCode);
            Assert.Contains("user_secrets", failed.Job.Error, StringComparison.Ordinal);

            // Stop and delete never read secrets, so they work while secrets cannot be read.
            var stopBuild = await api.BuildAsync(workspace.Id, WorkspaceTransition.Stop);
            var stop = await Daemon.AcquireAsync(stopBuild.Job.Id);
            Assert.Empty(stop.WorkspaceBuild!.UserSecrets);
            await Daemon.CompleteBuildAsync(stop, []);
        }
        finally
        {
            await ExecuteAsync("ALTER TABLE user_secrets_away RENAME TO user_secrets");
        }
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<byte[]> StoredStateAsync(Guid buildId)
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT state FROM provisioner_states WHERE build_id = $1", connection) { Parameters = { new() { Value = buildId } } };
        return (byte[])(await command.ExecuteScalarAsync())!;
    }
}
