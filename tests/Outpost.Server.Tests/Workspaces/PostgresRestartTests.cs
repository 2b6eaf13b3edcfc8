using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Templates;
using Outpost.Sdk.Workspaces;
using Outpost.Server.Database;
using Outpost.Server.Hosting;
using Outpost.Server.Http;
using Outpost.Server.Provisionerd;
using Outpost.Server.ProvisionerJobs;
using Outpost.Server.Pubsub;
using Outpost.Server.Streaming;
using Outpost.Server.Tests.Agents;
using Outpost.Server.Tests.Identity;
using Outpost.Testing;
using Xunit.Abstractions;

namespace Outpost.Server.Tests.Workspaces;

/// <summary>
/// PostgreSQL restarted under a running server (issue 5): built-in daemons working through a
/// stream of template imports, a daemon holding a claimed build, and SSE watches open. The server,
/// its daemons and its watches must come back by themselves, and no accepted job may be lost or
/// run twice. Each test has a cluster of its own, since stopping the shared one would break every
/// other test running at the time. Both stops are covered: fast (a planned restart: PostgreSQL
/// ends every session with 57P01) and immediate (a crash: sessions just break, recovery at start).
/// </summary>
public sealed class PostgresRestartTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int DaemonCount = 3;
    private const int JobsBeforeRestart = 15;
    private const int JobsAfterRestart = 15;

    private readonly string _root = Directory.CreateTempSubdirectory("outpost-pg-restart-").FullName;
    private readonly CancellationTokenSource _stopLoad = new();
    private EmbeddedPostgres? _postgres;
    private RunningServer? _server;
    private HttpClient _client = new();

    public Task InitializeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_restart_under_load_loses_no_job_runs_none_twice_and_daemons_and_watches_come_back(bool immediate)
    {
        await StartAsync(DaemonCount);
        var api = await WorkspaceApi.LoginAsync(_client);

        // A build held by a daemon across the restart, on a provisioner the built-in daemons do not
        // run, so that only this daemon takes it.
        var holder = new TestDaemon(_client, _server!.Services.GetRequiredService<InternalProvisionerKey>().Value, "holder");
        var held = await api.ReadAsync<Template>(HttpMethod.Post, "/api/v2/templates", new CreateTemplateRequest { Name = "held", Provisioner = "terraform" });
        var heldVersion = await api.CreateVersionAsync(held.Id, await api.UploadAsync(WorkspaceApi.StarterYaml));
        await holder.CompleteImportAsync((await holder.TryAcquireAsync(5, "terraform"))!);
        await api.ReadAsync<Template>(HttpMethod.Patch, $"/api/v2/templates/{held.Id}", new UpdateTemplateRequest { ActiveVersionId = heldVersion.Id });
        var workspace = await api.CreateWorkspaceAsync("held-ws", "held");
        var start = await holder.TryAcquireAsync(5, "terraform");
        Assert.Equal(workspace.LatestBuild.Job.Id, start?.JobId);

        await using var watch = await SseReader.OpenAsync(_client, $"/api/v2/workspaces/{workspace.Id}/watch", api.Token);
        Assert.Equal(WorkspaceStatus.Starting, (await watch.NextAsync(OutpostJsonContext.Default.Workspace)).Status);
        await using var watchAll = await SseReader.OpenAsync(_client, "/api/v2/workspaces/watch-all", api.Token);

        // The load: imports queued one after another, through the API, until the test has seen enough.
        var imported = await api.CreateTemplateAsync("imported");
        var archive = await api.UploadAsync("name: imported\nagents:\n  - name: main\n");
        var accepted = new ConcurrentQueue<(Guid JobId, long At)>();
        var refused = new ConcurrentQueue<(HttpStatusCode Status, TimeSpan? RetryAfter, string Body, long At)>();
        var load = Task.Run(async () =>
        {
            while (!_stopLoad.IsCancellationRequested)
            {
                using var response = await api.SendAsync(HttpMethod.Post, $"/api/v2/templates/{imported.Id}/versions", new CreateTemplateVersionRequest { FileHash = archive });
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    var version = await response.Content.ReadFromJsonAsync<TemplateVersion>(OutpostJson.Options).WithTimeout();
                    accepted.Enqueue((version!.Job.Id, Stopwatch.GetTimestamp()));
                }
                else
                {
                    refused.Enqueue((response.StatusCode, response.Headers.RetryAfter?.Delta, await response.Content.ReadAsStringAsync().WithTimeout(), Stopwatch.GetTimestamp()));
                    // A client's pause before it tries again, not a wait for the test's benefit.
                    await Task.Delay(TimeSpan.FromMilliseconds(50), CancellationToken.None);
                }
            }
        }, CancellationToken.None);

        await Eventually.ReadAsync(() => CountAsync("SELECT count(*) FROM counted_completions"), done => done >= JobsBeforeRestart, TestTimeouts.Default);
        await RestartPostgresAsync(immediate);
        var restarted = Stopwatch.GetTimestamp();
        var restartedAt = DateTime.UtcNow;

        // The held build completes after the restart: the claim survived it, and the first request
        // the daemon makes is answered normally.
        using (var complete = await holder.CompleteRawAsync(start!.JobId, new() { WorkspaceBuild = new() { State = [1], Resources = [] } }))
        {
            Assert.True(complete.StatusCode == HttpStatusCode.NoContent, $"{(int)complete.StatusCode}: {await complete.Content.ReadAsStringAsync()}");
        }

        // That change may fall in the pubsub's outage: the watch learns it from the resync, watch-all
        // says resync. Then a change made once the listener is back reaches both as it happens.
        var running = await NextWorkspaceAsync(watch, w => w.Status == WorkspaceStatus.Running);
        var watchBack = Stopwatch.GetElapsedTime(restarted);
        await NextResyncAsync(watchAll);
        var stop = await api.BuildAsync(workspace.Id, WorkspaceTransition.Stop);
        var stopQueued = await NextBuildUpdateAsync(watchAll, u => u.BuildId == stop.Id);
        var stopJob = await holder.TryAcquireAsync(5, "terraform");
        Assert.Equal(stop.Job.Id, stopJob?.JobId);
        await holder.CompleteBuildAsync(stopJob!, [2]);
        var stopped = await NextWorkspaceAsync(watch, w => w.Status == WorkspaceStatus.Stopped);

        // The built-in daemons claim again and the queue keeps taking work. Which daemons claim is
        // not fixed: one that completes a job takes the next with it (acquire_next), so a single
        // daemon may serve a slow stream alone; none of them may have given up, though.
        await Eventually.ReadAsync(
            async () => (Daemons: await CountAsync("SELECT count(DISTINCT worker_name) FROM counted_claims WHERE worker_name LIKE '%builtin%' AND at > $1", restartedAt), Accepted: accepted.Count(a => a.At > restarted)),
            after => after.Daemons >= 1 && after.Accepted >= JobsAfterRestart, TestTimeouts.Default);
        Assert.Equal(DaemonCount, _server!.Daemons!.Runs.Count);
        Assert.All(_server.Daemons.Runs, run => Assert.False(run.IsCompleted, "a built-in daemon stopped"));
        await _stopLoad.CancelAsync();
        await load.WithTimeout();
        // Every job ends, except one whose claim committed while the answer was lost: PostgreSQL
        // stopped between the commit and the daemon hearing of it (an acquire's, or a completion's
        // acquire_next). Its daemon never learns of it; it stays claimed and untouched until the
        // reaper fails it (5 minutes), as docs/provisioners.md says. Counted, not waited for.
        const string Orphans = "completed_at IS NULL AND started_at IS NOT NULL AND updated_at = started_at AND started_at < now() - interval '5 seconds'";
        await Eventually.ReadAsync(
            async () => (Open: await CountAsync("SELECT count(*) FROM provisioner_jobs WHERE completed_at IS NULL"), Orphaned: await CountAsync($"SELECT count(*) FROM provisioner_jobs WHERE {Orphans}")),
            jobs => jobs.Open == jobs.Orphaned, TestTimeouts.Default);
        var orphaned = await CountAsync($"SELECT count(*) FROM provisioner_jobs WHERE {Orphans}");
        Assert.True(orphaned <= DaemonCount, $"{orphaned} jobs were left claimed by no daemon; at most one per daemon can be, from the restart's lost answers");
        using var health = await _client.GetAsync(new Uri("/healthz", UriKind.Relative)).WithTimeout();

        var ids = accepted.Select(a => a.JobId).ToArray();
        var firstClaim = await ScalarAsync<DateTime?>("SELECT min(at) FROM counted_claims WHERE worker_name LIKE '%builtin%' AND at > $1", restartedAt);
        output.WriteLine($"watch resynced {watchBack.TotalMilliseconds:F0} ms and a built-in daemon claimed {(firstClaim - restartedAt)?.TotalMilliseconds:F0} ms after PostgreSQL was back");
        output.WriteLine($"{orphaned} claims orphaned by a lost answer");
        output.WriteLine($"{ids.Length} imports accepted, {refused.Count} refused ({string.Join(", ", refused.GroupBy(r => (int)r.Status).Select(g => $"{g.Key} ×{g.Count()}"))})"
            + (refused.IsEmpty ? string.Empty : $" over {Stopwatch.GetElapsedTime(refused.Min(r => r.At), refused.Max(r => r.At)).TotalMilliseconds:F0} ms"));
        Assert.Equal(WorkspaceStatus.Running, running.Status);
        Assert.Equal(ProvisionerJobStatus.Pending, stopQueued.JobStatus);
        Assert.Equal(WorkspaceStatus.Stopped, stopped.Status);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        // Requests made while PostgreSQL was away are refused with a reason, never an anonymous 500.
        Assert.All(refused, r => Assert.True(
            r.Status == HttpStatusCode.ServiceUnavailable && r.RetryAfter == TimeSpan.FromSeconds(5) && r.Body.Contains(DatabaseUnavailableExceptionHandler.Detail, StringComparison.Ordinal),
            $"{(int)r.Status}: {r.Body}"));
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM (SELECT job_id FROM counted_claims GROUP BY job_id HAVING count(*) > 1) d"));
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM (SELECT job_id FROM counted_completions GROUP BY job_id HAVING count(*) > 1) d"));
        Assert.Equal(orphaned, await CountAsync("SELECT count(*) FROM provisioner_jobs WHERE job_status <> 'succeeded'"));
        // Every accepted import completed once, or is one of the orphans. An orphan need not be an accepted one: an
        // import whose commit PostgreSQL made just as it stopped was answered 503 (the outcome reached nobody), and
        // its job can be the one whose claim's answer was lost (one clean-clone run).
        var orphanedAccepted = await CountAsync($"SELECT count(*) FROM provisioner_jobs WHERE id = ANY($1) AND {Orphans}", ids);
        Assert.Equal(ids.Length - orphanedAccepted, await CountAsync("SELECT count(*) FROM counted_completions WHERE job_id = ANY($1) AND error IS NULL", ids));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task After_a_restart_the_first_requests_are_served_on_fresh_connections_not_broken_pooled_ones(bool immediate)
    {
        await StartAsync(daemons: 0);
        var api = await WorkspaceApi.LoginAsync(_client);
        // A watch keeps the pubsub listener connected, as daemons and users do on a real server. The
        // listener's session breaking is what makes Npgsql clear the pool (it does on a shutdown
        // error or a broken socket); with no listener, the first request after the restart would be
        // handed a dead pooled connection and answer 503.
        await using var watchAll = await SseReader.OpenAsync(_client, "/api/v2/workspaces/watch-all", api.Token);
        // Concurrent requests leave as many idle connections in the pool.
        foreach (var response in await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _client.GetAsync(new Uri("/healthz", UriKind.Relative)))).WithTimeout())
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            response.Dispose();
        }

        await RestartPostgresAsync(immediate);
        // The listener being back is the server's own sign that the database is.
        var pubsub = _server!.Services.GetRequiredService<PostgresPubsub>();
        Assert.Contains(JobEvents.AllWorkspacesChannel, await pubsub.ListeningChannelsAsync(TestTimeouts.Token()).WithTimeout());

        var answers = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            using var health = await _client.GetAsync(new Uri("/healthz", UriKind.Relative)).WithTimeout();
            using var templates = await api.SendAsync(HttpMethod.Get, "/api/v2/templates");
            answers.Add($"{(int)health.StatusCode} {await health.Content.ReadAsStringAsync()}");
            answers.Add($"{(int)templates.StatusCode}");
        }

        Assert.All(answers, answer => Assert.StartsWith("200", answer, StringComparison.Ordinal));
    }

    public async Task DisposeAsync()
    {
        await _stopLoad.CancelAsync();
        _stopLoad.Dispose();
        _client.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover temp directory is harmless.
        }
    }

    private async Task StartAsync(int daemons)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var postgres = await EmbeddedPostgres.StartAsync(Path.Combine(_root, "pg"), NullLogger.Instance, timeout.Token).WithTimeout(TimeSpan.FromMinutes(2));
        _postgres = postgres.Instance ?? throw new InvalidOperationException($"PostgreSQL did not start: {postgres.Error}");
        var options = ServerFixture.CreateOptions(_postgres.ConnectionString, Path.Combine(_root, "server")) with
        {
            ProvisionerDaemons = daemons,
            // Built-in daemons run local and terraform; here they run local only, so that the held
            // terraform build is the test daemon's alone.
            ConfigureDaemon = daemon => daemon with { WaitSeconds = 2, Provisioners = ["local"] },
        };
        var start = await OutpostServer.StartAsync(options, TestTimeouts.Token()).WithTimeout();
        _server = start.Server ?? throw new InvalidOperationException($"The server did not start: {start.Error}");
        _client = new HttpClient { BaseAddress = _server.BaseAddress, Timeout = TestTimeouts.Default };
        (await IdentityApi.CreateFirstUserAsync(_client)).EnsureSuccessStatusCode();
        await InstallCountersAsync();
    }

    private async Task RestartPostgresAsync(bool immediate)
    {
        var stopping = Stopwatch.GetTimestamp();
        Assert.Null(await _postgres!.StopServerAsync(immediate, TestTimeouts.Token()).WithTimeout());
        var stopped = Stopwatch.GetTimestamp();
        Assert.Null(await _postgres.StartServerAsync(TestTimeouts.Token()).WithTimeout());
        output.WriteLine($"PostgreSQL ({(immediate ? "immediate" : "fast")} stop) stopped in {Stopwatch.GetElapsedTime(stopping, stopped).TotalMilliseconds:F0} ms, started again in {Stopwatch.GetElapsedTime(stopped).TotalMilliseconds:F0} ms");
    }

    // Each read has its own timeout, but pings keep a silent stream alive: the whole search has one too.
    private static Task<Workspace> NextWorkspaceAsync(SseReader watch, Func<Workspace, bool> until) => Task.Run(async () =>
    {
        while (true)
        {
            var next = await watch.NextAsync(OutpostJsonContext.Default.Workspace);
            if (until(next))
            {
                return next;
            }
        }
    }).WithTimeout();

    private static Task NextResyncAsync(SseReader watch) => Task.Run(async () =>
    {
        while ((await watch.NextAsync() ?? throw new InvalidOperationException("watch-all ended")).Type != ServerSentEventStream.ResyncEventType)
        {
        }
    }).WithTimeout();

    private static Task<WorkspaceBuildUpdate> NextBuildUpdateAsync(SseReader watch, Func<WorkspaceBuildUpdate, bool> until) => Task.Run(async () =>
    {
        while (true)
        {
            var next = await watch.NextAsync() ?? throw new InvalidOperationException("watch-all ended");
            var update = JsonSerializer.Deserialize(next.Data, OutpostJsonContext.Default.WorkspaceBuildUpdate)!;
            if (until(update))
            {
                return update;
            }
        }
    }).WithTimeout();

    private async Task<long> CountAsync(string sql, params object[] values) => (await ScalarAsync<long?>(sql, values)) ?? 0;

    private async Task<T> ScalarAsync<T>(string sql, params object[] values)
    {
        // Not pooled: the test's own view of the database must not depend on what the restart did to a pool.
        await using var connection = new NpgsqlConnection(_postgres!.ConnectionString + ";Pooling=false");
        await connection.OpenAsync().WithTimeout();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        var result = await command.ExecuteScalarAsync().WithTimeout();
        return result is DBNull ? default! : (T)result!;
    }

    private Task InstallCountersAsync() => ScalarAsync<object?>(JobCounters.Install);
}
