using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Outpost.Sdk.Templates;
using Outpost.Server.Database;
using Outpost.Server.Hosting;
using Outpost.Server.Identity.Users;
using Outpost.Server.Provisionerd;
using Outpost.Server.ProvisionerJobs;
using Outpost.Server.Templates;
using Outpost.Testing;

namespace Outpost.QueueBench;

/// <summary>
/// The embedded PostgreSQL and the real server on 127.0.0.1:0 with no built-in daemons, plus the
/// one template every benchmark job imports a version of.
/// </summary>
internal sealed class BenchServer : IAsyncDisposable
{
    public const string Provisioner = "local";

    /// <summary>A running job without an update for this long is reaped (production: 5 min).</summary>
    public static readonly TimeSpan HungJobTimeout = TimeSpan.FromSeconds(2);

    private readonly string _root;
    private readonly EmbeddedPostgres _postgres;
    private readonly RunningServer _server;
    private readonly Template _template;
    private readonly Guid _userId;
    private readonly string _fileHash;
    private readonly string? _externalKey;
    private int _versions;

    private BenchServer(string root, EmbeddedPostgres postgres, RunningServer server, Template template, Guid userId, string fileHash, string? externalKey)
    {
        _externalKey = externalKey;
        _root = root;
        _postgres = postgres;
        _server = server;
        _template = template;
        _userId = userId;
        _fileHash = fileHash;
        DataSource = server.Services.GetRequiredService<NpgsqlDataSource>();
        Cpu = new CpuMeter(postgres.ClusterDirectory);
    }

    public CpuMeter Cpu { get; }

    public Uri BaseAddress => _server.BaseAddress;

    /// <summary>
    /// The key every bench daemon presents: the server's internal key, as the built-in daemons use,
    /// or with <c>--external-key 1</c> a provisioner key created like <c>outpost provisioner keys
    /// create</c> does, which the server looks up in the database on every request.
    /// </summary>
    public string DaemonKey => _externalKey ?? _server.Services.GetRequiredService<InternalProvisionerKey>().Value;

    public NpgsqlDataSource DataSource { get; }

    public JobQueue Queue => _server.Services.GetRequiredService<JobQueue>();

    public DaemonJobs Jobs => _server.Services.GetRequiredService<DaemonJobs>();

    public JobReaper Reaper => _server.Services.GetRequiredService<JobReaper>();

    public static async Task<BenchServer> StartAsync(bool externalKey, CancellationToken cancellationToken)
    {
        var root = Directory.CreateTempSubdirectory("outpost-queuebench-").FullName;
        var start = await EmbeddedPostgres.StartAsync(Path.Combine(root, "pg"), NullLogger.Instance, cancellationToken);
        var postgres = start.Instance ?? throw new InvalidOperationException($"PostgreSQL did not start: {start.Error}");
        var options = new ServerOptions
        {
            HttpEndpoint = new IPEndPoint(IPAddress.Loopback, 0),
            PostgresConnectionString = postgres.ConnectionString,
            DataDirectory = Path.Combine(root, "server"),
            DatabaseConnectTimeout = TimeSpan.FromSeconds(10),
            ProvisionerDaemons = 0,
            // The chaos run drives the reaper itself (JobReaper.RunOnceAsync) so the latency and
            // burn-down runs are not disturbed by its passes; it reaps after seconds, not minutes.
            Provisioning = new ProvisioningOptions { HungJobTimeout = HungJobTimeout, ReaperInterval = TimeSpan.FromDays(1), MaxJobsPerReap = 200 },
        };
        var started = await OutpostServer.StartAsync(options, cancellationToken);
        var server = started.Server ?? throw new InvalidOperationException($"The server did not start: {started.Error}");
        var services = server.Services;
        var (user, error) = await services.GetRequiredService<UserStore>().CreateAsync(
            "bench@example.com", "bench", "Bench", "owner", "not-a-usable-hash", onlyIfFirst: true, cancellationToken);
        var userId = user?.Id ?? throw new InvalidOperationException($"Could not create the bench user: {error}");
        var dataSource = services.GetRequiredService<NpgsqlDataSource>();
        string? key = null;
        if (externalKey)
        {
            var created = await services.GetRequiredService<ProvisionerKeyStore>().CreateAsync("bench", userId, cancellationToken)
                ?? throw new InvalidOperationException("Could not create the bench's provisioner key.");
            key = created.Token.ToString();
        }

        // The file row is what POST /api/v2/files stores; imports only carry it, the daemon never parses it.
        var archive = "name: bench\n"u8.ToArray();
        var hash = Convert.ToHexStringLower(SHA256.HashData(archive));
        await using (var file = dataSource.CreateCommand("INSERT INTO files (hash, data, created_by, created_at) VALUES ($1, $2, $3, now())"))
        {
            await file.With(hash).With(archive).With(userId).ExecuteNonQueryAsync(cancellationToken);
        }

        var template = await services.GetRequiredService<TemplateStore>().CreateAsync("bench", string.Empty, Provisioner, userId, cancellationToken)
            ?? throw new InvalidOperationException("Could not create the bench template.");
        return new BenchServer(root, postgres, server, template, userId, hash, key);
    }

    /// <summary>Queues one import job through the server's own path (TemplateStore → JobStore, with its NOTIFY).</summary>
    public async Task<Guid> EnqueueAsync(CancellationToken cancellationToken)
    {
        var name = $"v{Interlocked.Increment(ref _versions)}";
        var version = await _server.Services.GetRequiredService<TemplateStore>().CreateVersionAsync(_template, _fileHash, name, _userId, cancellationToken)
            ?? throw new InvalidOperationException($"The version name {name} was taken.");
        return version.Job.Id;
    }

    /// <summary>Completes every unfinished job, so one scenario starts from an empty queue.</summary>
    public async Task ClearQueueAsync(CancellationToken cancellationToken)
    {
        await using var clear = DataSource.CreateCommand("""
            UPDATE provisioner_jobs SET completed_at = now(), updated_at = now(), started_at = COALESCE(started_at, now()), error = 'cleared by the queue benchmark'
            WHERE completed_at IS NULL
            """);
        await clear.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>VACUUM (ANALYZE) of the queue's tables: removes the dead row versions earlier phases left.</summary>
    public async Task VacuumQueueAsync(CancellationToken cancellationToken)
    {
        await using var vacuum = DataSource.CreateCommand("VACUUM (ANALYZE) provisioner_jobs, template_versions");
        await vacuum.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<long> ScalarAsync(string sql, object[] values, CancellationToken cancellationToken)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var value in values)
        {
            command.With(value);
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The claim and completion counters of <see cref="JobCounters"/>.</summary>
    /// <remarks>
    /// Installed by the chaos run only: the latency and burn-down runs measure the queue, not this
    /// instrumentation (which would add a row insert to every claim and every completion).
    /// </remarks>
    public async Task InstallCountersAsync(CancellationToken cancellationToken)
    {
        await using var install = DataSource.CreateCommand(JobCounters.Install);
        await install.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        await _postgres.DisposeAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover temp directory is harmless.
        }
    }
}
