using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Server;

/// <summary>
/// The server exports metrics and traces over OTLP when the standard variables are set. The
/// collector here is a hand-written fake at that boundary: it records what it is sent.
/// </summary>
[Collection(nameof(ServerProcessTests))]
public sealed class OtlpExportTests : IAsyncLifetime
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), $"outpost-otlp-{Guid.NewGuid():N}"[..24]);
    private readonly TaskCompletionSource<byte[]> _metrics = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<byte[]> _traces = [];
    private readonly SemaphoreSlim _traceArrived = new(0);
    private WebApplication? _collector;
    private string _collectorUrl = string.Empty;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _collector = builder.Build();
        _collector.MapPost("/v1/metrics", async (HttpRequest request) =>
        {
            _metrics.TrySetResult(await ReadBodyAsync(request));
            return Results.Ok();
        });
        _collector.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            var body = await ReadBodyAsync(request);
            lock (_traces)
            {
                _traces.Add(body);
            }

            _traceArrived.Release();
            return Results.Ok();
        });
        await _collector.StartAsync().WithTimeout();
        _collectorUrl = _collector.Urls.First();
    }

    [Fact]
    public async Task Metrics_and_traces_reach_an_otlp_collector_and_spans_join_the_callers_trace()
    {
        var port = FreePort();
        await using var server = OutpostProcess.Start(
            ["server", "--http-address", $"127.0.0.1:{port}", "--data-dir", _dataDir],
            new Dictionary<string, string?>
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = _collectorUrl,
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
                ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
                ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            });
        await server.WaitForLineAsync(l => l.Contains("listening on", StringComparison.Ordinal), TimeSpan.FromMinutes(2));

        var traceId = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        using (var client = new HttpClient())
        using (var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/healthz"))
        {
            request.Headers.Add("traceparent", $"00-{traceId}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8))}-01");
            using var response = await client.SendAsync(request).WithTimeout();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var metrics = await _metrics.Task.WithTimeout();
        Assert.True(Contains(metrics, "outpost_build_info"u8.ToArray()));

        // OTLP/protobuf carries trace ids as 16 raw bytes; wait until a batch holds ours.
        var wanted = Convert.FromHexString(traceId);
        while (true)
        {
            await _traceArrived.WaitAsync().WithTimeout();
            lock (_traces)
            {
                if (_traces.Any(t => Contains(t, wanted)))
                {
                    break;
                }
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (_collector is not null)
        {
            await _collector.DisposeAsync();
        }

        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
