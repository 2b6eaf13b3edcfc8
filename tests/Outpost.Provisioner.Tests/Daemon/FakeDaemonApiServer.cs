using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;

namespace Outpost.Provisioner.Tests.Daemon;

/// <summary>
/// The daemon API on a real socket (127.0.0.1:0), just enough of it to drive daemons end to end:
/// a job queue that hands each job to exactly one acquirer, update logs, and results. The real
/// server's version lives in Outpost.Server; this one exists so the daemon's HTTP path is tested here.
/// </summary>
internal sealed class FakeDaemonApiServer : IAsyncDisposable
{
    public const string Key = "test-provisioner-key";

    private readonly WebApplication _app;
    private readonly Channel<AcquiredJob> _jobs = Channel.CreateUnbounded<AcquiredJob>();

    private FakeDaemonApiServer(WebApplication app)
    {
        _app = app;
    }

    public Uri Url { get; private set; } = null!;

    public Channel<JobResult> Finished { get; } = Channel.CreateUnbounded<JobResult>();

    public ConcurrentQueue<(string Daemon, Guid JobId)> Acquisitions { get; } = new();

    public ConcurrentQueue<ProvisionerLogLine> Logs { get; } = new();

    public static async Task<FakeDaemonApiServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.ConfigureHttpJsonOptions(options => OutpostJson.Apply(options.SerializerOptions));
        var app = builder.Build();
        var server = new FakeDaemonApiServer(app);
        server.Map(app.MapGroup(ProvisionerDaemonApi.Prefix));
        await app.StartAsync();
        server.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return server;
    }

    public void Enqueue(AcquiredJob job) => _jobs.Writer.TryWrite(job);

    /// <summary>Files served by hash in chunks, as the real server does.</summary>
    public ConcurrentDictionary<string, byte[]> Files { get; } = new(StringComparer.Ordinal);

    /// <summary>Stores <paramref name="data"/> and returns its hash.</summary>
    public string AddFile(byte[] data)
    {
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data));
        Files[hash] = data;
        return hash;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static bool Authorized(HttpContext context) =>
        context.Request.Headers[ProvisionerDaemonApi.KeyHeader] == Key;

    private void Map(RouteGroupBuilder api)
    {
        api.MapPost("acquire", async (HttpContext context, AcquireJobRequest request) =>
        {
            if (!Authorized(context))
            {
                return Results.Problem(statusCode: 401, detail: "the provisioner key is not valid");
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            wait.CancelAfter(TimeSpan.FromSeconds(request.WaitSeconds));
            try
            {
                // A channel read hands each job to exactly one reader, as SKIP LOCKED does.
                var job = await _jobs.Reader.ReadAsync(wait.Token);
                Acquisitions.Enqueue((request.DaemonName, job.JobId));
                return Results.Json(job, OutpostJson.Options);
            }
            catch (OperationCanceledException)
            {
                return Results.NoContent();
            }
        });
        api.MapPost("jobs/{id:guid}/update", (HttpContext context, Guid id, UpdateJobRequest request) =>
        {
            foreach (var line in request.Logs)
            {
                Logs.Enqueue(line);
            }

            return Authorized(context)
                ? Results.Json(new UpdateJobResponse { Canceled = false }, OutpostJson.Options)
                : Results.Problem(statusCode: 401);
        });
        api.MapGet("files/{hash}", (HttpContext context, string hash) =>
            !Authorized(context) ? Results.Problem(statusCode: 401)
            : Files.TryGetValue(hash, out var data)
                ? Results.Json(new FileDownload
                {
                    Hash = hash,
                    Size = data.Length,
                    ChunkSize = FileDownload.DefaultChunkSize,
                    Chunks = FileDownload.ChunkCount(data.Length, FileDownload.DefaultChunkSize),
                }, OutpostJson.Options)
                : Results.Problem(statusCode: 404));
        api.MapGet("files/{hash}/chunks/{index:int}", (HttpContext context, string hash, int index) =>
        {
            if (!Authorized(context) || !Files.TryGetValue(hash, out var data))
            {
                return Results.Problem(statusCode: 404);
            }

            var offset = index * FileDownload.DefaultChunkSize;
            var piece = data.AsSpan(offset, Math.Min(FileDownload.DefaultChunkSize, data.Length - offset)).ToArray();
            return Results.Json(new FileChunk { FullDataHash = hash, PieceIndex = index, Data = piece }, OutpostJson.Options);
        });
        api.MapPost("jobs/{id:guid}/complete", (Guid id, CompleteJobRequest request) =>
        {
            Finished.Writer.TryWrite(new JobResult(id, request, null));
            return Results.NoContent();
        });
        api.MapPost("jobs/{id:guid}/fail", (Guid id, FailJobRequest request) =>
        {
            Finished.Writer.TryWrite(new JobResult(id, null, request));
            return Results.NoContent();
        });
    }
}
