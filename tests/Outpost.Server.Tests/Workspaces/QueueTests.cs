using System.Net;
using System.Net.Http.Json;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Templates;
using Outpost.Sdk.Workspaces;
using Outpost.Server.ProvisionerJobs;
using Outpost.Server.Provisionerd;
using Outpost.Server.Pubsub;
using Outpost.Testing;

namespace Outpost.Server.Tests.Workspaces;

public sealed class QueueTests(WorkspaceServerFixture fixture) : IClassFixture<WorkspaceServerFixture>
{
    private TestDaemon Daemon => new(fixture.Client, fixture.DaemonKey);

    [Fact]
    public async Task Concurrent_acquires_hand_one_job_to_exactly_one_daemon()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await api.ReadyTemplateAsync(Daemon, "racing");
        await Daemon.DrainAsync();
        var workspace = await api.CreateWorkspaceAsync("raced", "racing");

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => new TestDaemon(fixture.Client, fixture.DaemonKey, $"racer-{i}").TryAcquireAsync(1))).WithTimeout();

        var winner = Assert.Single(results, job => job is not null);
        Assert.Equal(workspace.LatestBuild.Job.Id, winner!.JobId);
    }

    [Fact]
    public async Task A_waiting_daemon_is_woken_by_a_job_queued_during_its_long_poll()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await api.ReadyTemplateAsync(Daemon, "woken");
        await Daemon.DrainAsync();

        // Without the wake-up this poll would end empty after 60 s; the job arrives long before.
        var waiting = Daemon.TryAcquireAsync(60);
        var pubsub = fixture.Service<PostgresPubsub>();
        using var deadline = new CancellationTokenSource(TestTimeouts.Default);
        while (!(await pubsub.ListeningChannelsAsync(deadline.Token).WithTimeout()).Contains(JobEvents.WakeChannel))
        {
            // The poll has not subscribed yet (it first tries to claim); ask the listener again.
        }

        var workspace = await api.CreateWorkspaceAsync("woken-ws", "woken");
        var job = await waiting.WithTimeout(TimeSpan.FromSeconds(30));

        Assert.Equal(workspace.LatestBuild.Job.Id, job?.JobId);
    }

    [Fact]
    public async Task A_daemon_that_skipped_a_job_locked_by_a_follower_is_woken_when_the_follow_commits()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await api.ReadyTemplateAsync(Daemon, "followed");
        await Daemon.DrainAsync();
        var workspace = await api.CreateWorkspaceAsync("followed-ws", "followed");
        var jobId = workspace.LatestBuild.Job.Id;

        // Hold the queued job's row, as a follower's mark does for a moment, and let a follower's
        // mark queue up behind it: the daemon's claim skips the locked row and parks.
        await using var holder = new NpgsqlConnection(fixture.ConnectionString);
        await holder.OpenAsync().WithTimeout();
        await using var hold = await holder.BeginTransactionAsync().WithTimeout();
        await using (var lockRow = new NpgsqlCommand("SELECT 1 FROM provisioner_jobs WHERE id = $1 FOR UPDATE", holder, hold))
        {
            lockRow.Parameters.Add(new() { Value = jobId });
            await lockRow.ExecuteScalarAsync().WithTimeout();
        }

        var follow = SseReader.FollowJobLogAsync(fixture.Client, $"/api/v2/workspacebuilds/{workspace.LatestBuild.Id}/logs?follow=true", api.Token);
        // Another connection: pg_stat_activity is read once per transaction.
        await using var watcher = new NpgsqlConnection(fixture.ConnectionString);
        await watcher.OpenAsync().WithTimeout();
        await WaitUntilAsync(async () =>
        {
            await using var blocked = new NpgsqlCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%SET followed = true%'", watcher);
            return (long)(await blocked.ExecuteScalarAsync().WithTimeout())! > 0;
        });
        var waiters = fixture.Service<AcquireWaiters>();
        var waiting = Daemon.TryAcquireAsync(20);
        await WaitUntilAsync(() => Task.FromResult(waiters.Waiting > 0));

        // Without a wake from the mark the poll would end empty after 20 s: the job's own wake was spent.
        await hold.CommitAsync().WithTimeout();
        var job = await waiting.WithTimeout(TimeSpan.FromSeconds(15));

        Assert.Equal(jobId, job?.JobId);
        await Daemon.CompleteBuildAsync(job!, []);
        await follow.WithTimeout();
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var deadline = new CancellationTokenSource(TestTimeouts.Default);
        while (!await condition())
        {
            await Task.Delay(10, deadline.Token);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(61)]
    public async Task Acquire_refuses_waits_outside_one_to_sixty_seconds(int waitSeconds)
    {
        using var response = await Daemon.PostAsync("/acquire", new AcquireJobRequest { DaemonName = "impatient", Provisioners = ["local"], WaitSeconds = waitSeconds });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Human_jobs_are_handed_out_before_prebuild_jobs_then_oldest_first()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await api.ReadyTemplateAsync(Daemon, "priority");
        await Daemon.DrainAsync();
        var prebuild = await api.CreateWorkspaceAsync("prebuilt", "priority");
        fixture.Clock.Advance(TimeSpan.FromSeconds(1));
        var older = await api.CreateWorkspaceAsync("older", "priority");
        fixture.Clock.Advance(TimeSpan.FromSeconds(1));
        var newer = await api.CreateWorkspaceAsync("newer", "priority");
        await using (var connection = new NpgsqlConnection(fixture.ConnectionString))
        {
            await connection.OpenAsync().WithTimeout();
            await using var mark = new NpgsqlCommand("UPDATE provisioner_jobs SET prebuild = true WHERE id = $1", connection);
            mark.Parameters.Add(new() { Value = prebuild.LatestBuild.Job.Id });
            await mark.ExecuteNonQueryAsync().WithTimeout();
        }

        var order = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            order.Add((await Daemon.TryAcquireAsync())!.JobId);
        }

        Assert.Equal([older.LatestBuild.Job.Id, newer.LatestBuild.Job.Id, prebuild.LatestBuild.Job.Id], order);
    }

    [Fact]
    public async Task A_completion_with_acquire_next_hands_over_the_next_job_in_queue_order_then_none()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await api.ReadyTemplateAsync(Daemon, "relay");
        await Daemon.DrainAsync();
        var first = await api.CreateWorkspaceAsync("relay-1", "relay");
        fixture.Clock.Advance(TimeSpan.FromSeconds(1));
        var second = await api.CreateWorkspaceAsync("relay-2", "relay");
        var next = new AcquireJobRequest { DaemonName = "relayer", Provisioners = ["local"] };
        var completion = new CompleteJobRequest { WorkspaceBuild = new WorkspaceBuildResult { Resources = [], State = [] }, AcquireNext = next };
        var job = await Daemon.AcquireAsync(first.LatestBuild.Job.Id);

        using var handover = await Daemon.CompleteRawAsync(job.JobId, completion);
        var handed = (await handover.Content.ReadFromJsonAsync<CompleteJobResponse>(OutpostJson.Options).WithTimeout())!.NextJob;
        using var last = await Daemon.CompleteRawAsync(handed!.JobId, completion);
        var none = (await last.Content.ReadFromJsonAsync<CompleteJobResponse>(OutpostJson.Options).WithTimeout())!.NextJob;

        Assert.Equal(HttpStatusCode.OK, handover.StatusCode);
        Assert.Equal(second.LatestBuild.Job.Id, handed.JobId);
        Assert.Equal("relay-2", handed.WorkspaceBuild!.WorkspaceName);
        Assert.Equal(HttpStatusCode.OK, last.StatusCode);
        Assert.Null(none);
        // The handed-over job was the completing daemon's to complete (claimed under its key).
        var relayed = await api.ReadAsync<Workspace>(HttpMethod.Get, $"/api/v2/workspaces/{second.Id}");
        Assert.Equal(ProvisionerJobStatus.Succeeded, relayed.LatestBuild.Job.Status);
    }

    [Fact]
    public async Task A_completion_with_an_unusable_acquire_next_is_refused_and_records_nothing()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await api.ReadyTemplateAsync(Daemon, "refused-next");
        var workspace = await api.CreateWorkspaceAsync("refused-next-ws", "refused-next");
        var job = await Daemon.AcquireAsync(workspace.LatestBuild.Job.Id);

        using var refused = await Daemon.CompleteRawAsync(job.JobId, new CompleteJobRequest
        {
            WorkspaceBuild = new WorkspaceBuildResult { Resources = [], State = [] },
            AcquireNext = new AcquireJobRequest { DaemonName = "relayer", Provisioners = [] },
        });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("acquire_next", (await WorkspaceApi.ProblemAsync(refused)).Detail, StringComparison.Ordinal);
        var after = await api.ReadAsync<Workspace>(HttpMethod.Get, $"/api/v2/workspaces/{workspace.Id}");
        Assert.Equal(ProvisionerJobStatus.Running, after.LatestBuild.Job.Status);
        await Daemon.CompleteBuildAsync(job, []);
    }

    [Fact]
    public async Task Only_the_daemon_that_acquired_a_job_may_update_complete_or_fail_it()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await api.ReadyTemplateAsync(Daemon, "owned");
        var workspace = await api.CreateWorkspaceAsync("owned-ws", "owned");
        var key = await api.ReadAsync<CreateProvisionerKeyResponse>(HttpMethod.Post, "/api/v2/provisionerkeys", new CreateProvisionerKeyRequest { Name = "other-daemon" });
        var other = new TestDaemon(fixture.Client, key.Key, "other");
        var job = await Daemon.AcquireAsync(workspace.LatestBuild.Job.Id);

        using var update = await other.PostAsync($"/jobs/{job.JobId}/update", new UpdateJobRequest());
        using var fail = await other.FailAsync(job.JobId, "not mine");
        using var forged = await new TestDaemon(fixture.Client, "abcdefghij-" + new string('x', 32)).PostAsync("/acquire", new AcquireJobRequest { DaemonName = "x", Provisioners = ["local"] });
        await Daemon.CompleteBuildAsync(job, []);
        using var late = await Daemon.FailAsync(job.JobId, "too late");

        Assert.Equal(HttpStatusCode.Conflict, update.StatusCode);
        Assert.Contains("you don't own this job", (await WorkspaceApi.ProblemAsync(fail)).Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Contains("already completed", (await WorkspaceApi.ProblemAsync(late)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_import_completes_only_for_its_daemon_once_and_with_the_result_of_its_kind()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        var (template, _) = await api.ReadyTemplateAsync(Daemon, "import-rules");
        var version = await api.CreateVersionAsync(template.Id, await api.UploadAsync(WorkspaceApi.StarterYaml));
        var key = await api.ReadAsync<CreateProvisionerKeyResponse>(HttpMethod.Post, "/api/v2/provisionerkeys", new CreateProvisionerKeyRequest { Name = "import-other" });
        var other = new TestDaemon(fixture.Client, key.Key, "other");
        var job = await Daemon.AcquireAsync(version.Job.Id);
        var import = new CompleteJobRequest { TemplateImport = new TemplateImportResult { Parameters = [], Resources = [] } };

        using var stolen = await other.CompleteRawAsync(job.JobId, import);
        using var wrongKind = await Daemon.CompleteRawAsync(job.JobId, new CompleteJobRequest { WorkspaceBuild = new WorkspaceBuildResult { Resources = [], State = [] } });
        using var done = await Daemon.CompleteRawAsync(job.JobId, import);
        using var again = await Daemon.CompleteRawAsync(job.JobId, import);

        Assert.Equal(HttpStatusCode.Conflict, stolen.StatusCode);
        Assert.Contains("you don't own this job", (await WorkspaceApi.ProblemAsync(stolen)).Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, wrongKind.StatusCode);
        Assert.Contains("template_import", (await WorkspaceApi.ProblemAsync(wrongKind)).Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, done.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("already completed", (await WorkspaceApi.ProblemAsync(again)).Detail, StringComparison.Ordinal);
        var imported = await api.ReadAsync<TemplateVersion>(HttpMethod.Get, $"/api/v2/templateversions/{version.Id}");
        Assert.Equal(ProvisionerJobStatus.Succeeded, imported.Job.Status);
    }

    [Fact]
    public async Task Completion_merges_agent_environments_and_stores_only_a_hash_of_each_token()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await api.ReadyTemplateAsync(Daemon, "agents");
        var workspace = await api.CreateWorkspaceAsync("with-agent", "agents");
        var job = await Daemon.AcquireAsync(workspace.LatestBuild.Job.Id);

        await Daemon.CompleteBuildAsync(job, [9], new ProvisionedResource
        {
            Name = "workspace",
            Type = "local_workspace_directory",
            Agents = [new ProvisionedAgent
            {
                Name = "main",
                Env = new Dictionary<string, string> { ["EDITOR"] = "vi", ["PATH"] = "/agent" },
                ExtraEnvs =
                [
                    new ExtraEnvEntry { Name = "PATH", Value = "/usr/bin" },
                    new ExtraEnvEntry { Name = "SEARCH", Value = "/a" },
                    new ExtraEnvEntry { Name = "SEARCH", Value = "/b", MergeStrategy = EnvMergeStrategy.Append },
                    new ExtraEnvEntry { Name = "SEARCH", Value = "/z", MergeStrategy = EnvMergeStrategy.Prepend },
                ],
                Scripts = [new AgentScript { DisplayName = "startup", Script = "echo hi", RunOnStart = true }],
                AuthToken = "secret-agent-token",
            }],
        });
        var agents = await api.ReadAsync<List<WorkspaceAgent>>(HttpMethod.Get, $"/api/v2/workspaces/{workspace.Id}/agents");
        var agent = await api.ReadAsync<WorkspaceAgent>(HttpMethod.Get, $"/api/v2/workspaceagents/{Assert.Single(agents).Id}");
        byte[] stored;
        await using (var connection = new NpgsqlConnection(fixture.ConnectionString))
        {
            await connection.OpenAsync().WithTimeout();
            await using var select = new NpgsqlCommand("SELECT auth_token_hash FROM workspace_agents WHERE id = $1", connection);
            select.Parameters.Add(new() { Value = agent.Id });
            stored = (byte[])(await select.ExecuteScalarAsync().WithTimeout())!;
        }

        using var transport = new Outpost.Agent.Transport.HttpAgentTransport(fixture.BaseAddress, "secret-agent-token");
        var manifest = (await transport.GetManifestAsync(CancellationToken.None).WithTimeout()).Value!;
        Assert.Equal("/z:/a:/b", manifest.Environment["SEARCH"]);
        Assert.Equal("/agent", manifest.Environment["PATH"]);
        Assert.Equal(Outpost.Sdk.Agents.AgentLifecycleState.Created, agent.LifecycleState);
        Assert.Equal("workspace", agent.ResourceName);
        Assert.Equal("startup", Assert.Single(agent.Scripts).DisplayName);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData("secret-agent-token"u8), stored);
        Assert.DoesNotContain("secret-agent-token", await (await api.SendAsync(HttpMethod.Get, $"/api/v2/workspaceagents/{agent.Id}")).Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_environment_merge_error_fails_the_build_naming_the_variable()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await api.ReadyTemplateAsync(Daemon, "merge-error");
        var workspace = await api.CreateWorkspaceAsync("merge-fails", "merge-error");
        var job = await Daemon.AcquireAsync(workspace.LatestBuild.Job.Id);

        using var response = await Daemon.CompleteRawAsync(job.JobId, new CompleteJobRequest
        {
            WorkspaceBuild = new WorkspaceBuildResult
            {
                State = [1],
                Resources = [new ProvisionedResource
                {
                    Name = "workspace",
                    Type = "local_workspace_directory",
                    Agents = [new ProvisionedAgent
                    {
                        Name = "main",
                        ExtraEnvs = [new ExtraEnvEntry { Name = "TOKEN", Value = "a" }, new ExtraEnvEntry { Name = "TOKEN", Value = "b", MergeStrategy = EnvMergeStrategy.Error }],
                    }],
                }],
            },
        });
        var failed = await api.GetWorkspaceAsync(workspace.Id);
        var agents = await api.ReadAsync<List<WorkspaceAgent>>(HttpMethod.Get, $"/api/v2/workspaces/{workspace.Id}/agents");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(WorkspaceStatus.Failed, failed.Status);
        Assert.Equal("env_merge", failed.LatestBuild.Job.ErrorCode);
        Assert.Contains("agent \"main\": duplicate env var \"TOKEN\"", failed.LatestBuild.Job.Error, StringComparison.Ordinal);
        Assert.Empty(agents);
    }

    [Fact]
    public async Task Provisioner_keys_are_for_admins_shown_once_and_listed_without_secrets()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        var created = await api.ReadAsync<CreateProvisionerKeyResponse>(HttpMethod.Post, "/api/v2/provisionerkeys", new CreateProvisionerKeyRequest { Name = "listed" });
        using var listed = await api.SendAsync(HttpMethod.Get, "/api/v2/provisionerkeys");
        var text = await listed.Content.ReadAsStringAsync().WithTimeout();
        using var delete = await api.SendAsync(HttpMethod.Delete, "/api/v2/provisionerkeys/listed");
        using var acquire = await new TestDaemon(fixture.Client, created.Key).PostAsync("/acquire", new AcquireJobRequest { DaemonName = "x", Provisioners = ["terraform"], WaitSeconds = 1 });
        using var member = await api.SendAsync(HttpMethod.Post, "/api/v2/users",
            new Outpost.Sdk.Users.CreateUserRequest { Email = "member-k@example.com", Username = "member-k", Password = "member-password-1" });
        var memberApi = await WorkspaceApi.LoginAsync(fixture.Client, "member-k@example.com", "member-password-1");
        using var memberCreate = await memberApi.SendAsync(HttpMethod.Post, "/api/v2/provisionerkeys", new CreateProvisionerKeyRequest { Name = "sneaky" });

        Assert.Contains("\"listed\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain(created.Key.Split('-')[1], text, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, acquire.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, memberCreate.StatusCode);
    }

    [Fact]
    public async Task A_provisioner_key_is_trusted_for_a_second_after_its_lookup_unless_this_server_deleted_it()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        var cached = await api.ReadAsync<CreateProvisionerKeyResponse>(HttpMethod.Post, "/api/v2/provisionerkeys", new CreateProvisionerKeyRequest { Name = "cached" });
        var evicted = await api.ReadAsync<CreateProvisionerKeyResponse>(HttpMethod.Post, "/api/v2/provisionerkeys", new CreateProvisionerKeyRequest { Name = "evicted" });
        var keys = fixture.Service<ProvisionerKeyStore>();
        var first = await keys.AuthenticateAsync(cached.Key, CancellationToken.None).WithTimeout();

        // Another replica deletes "cached": the row goes, this server's cache does not hear of it.
        await using (var dataSource = NpgsqlDataSource.Create(fixture.ConnectionString))
        {
            await using var elsewhere = dataSource.CreateCommand("DELETE FROM provisioner_keys WHERE name = 'cached'");
            Assert.Equal(1, await elsewhere.ExecuteNonQueryAsync().WithTimeout());
        }

        var withinTheSecond = await keys.AuthenticateAsync(cached.Key, CancellationToken.None).WithTimeout();
        var wrongSecret = await keys.AuthenticateAsync(cached.Key[..^1] + (cached.Key[^1] == 'a' ? 'b' : 'a'), CancellationToken.None).WithTimeout();
        fixture.Clock.Advance(ProvisionerKeyStore.CacheLifetime);
        var afterTheSecond = await keys.AuthenticateAsync(cached.Key, CancellationToken.None).WithTimeout();
        // Deleted through this server while cached: refused at once.
        Assert.NotNull(await keys.AuthenticateAsync(evicted.Key, CancellationToken.None).WithTimeout());
        using var delete = await api.SendAsync(HttpMethod.Delete, "/api/v2/provisionerkeys/evicted");
        using var acquire = await new TestDaemon(fixture.Client, evicted.Key).PostAsync("/acquire", new AcquireJobRequest { DaemonName = "x", Provisioners = ["terraform"], WaitSeconds = 1 });

        Assert.Equal("cached", first?.KeyName);
        Assert.Equal(first, withinTheSecond);
        Assert.Null(wrongSecret);
        Assert.Null(afterTheSecond);
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, acquire.StatusCode);
    }

    [Fact]
    public async Task Acquire_and_completion_feed_the_queue_metrics()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await api.ReadyTemplateAsync(Daemon, "metrics");
        var workspace = await api.CreateWorkspaceAsync("measured", "metrics");
        var job = await Daemon.AcquireAsync(workspace.LatestBuild.Job.Id);
        await Daemon.CompleteBuildAsync(job, []);

        using var metricsResponse = await api.SendAsync(HttpMethod.Get, "/metrics");
        var metrics = await metricsResponse.Content.ReadAsStringAsync().WithTimeout();

        Assert.Contains("outpost_workspace_builds_enqueued_total{", metrics, StringComparison.Ordinal);
        Assert.Matches("outpost_workspace_builds_enqueued_total\\{[^}]*build_reason=\"initiator\"", metrics);
        Assert.Contains("outpost_provisioner_job_queue_wait_seconds_bucket{", metrics, StringComparison.Ordinal);
        Assert.Contains("outpost_workspace_creation_duration_seconds_count{", metrics, StringComparison.Ordinal);
    }
}
