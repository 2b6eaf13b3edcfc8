using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using Outpost.Server.Prebuilds;
using Outpost.Server.ProvisionerJobs;
using Outpost.Testing;

namespace Outpost.Server.Tests.Prebuilds;

/// <summary>
/// With OTLP, the creation and claim histograms leave as exponential histograms (seed 003's native histograms): the
/// server's OTLP meter provider exports to a loopback receiver over HTTP/protobuf, and the test decodes the protobuf.
/// </summary>
public sealed class PrebuildOtlpTests
{
    // OTLP metrics.proto field numbers.
    private const int ResourceMetricsField = 1, ScopeMetricsField = 2, MetricsField = 2, NameField = 1, SumField = 7, HistogramField = 9, ExponentialHistogramField = 10;

    [Fact]
    public async Task The_creation_and_claim_histograms_are_exported_as_exponential_histograms_and_counters_stay_sums()
    {
        var bodies = new ConcurrentQueue<byte[]>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        await using var receiver = builder.Build();
        receiver.MapPost("/v1/metrics", async (HttpContext http) =>
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer);
            bodies.Enqueue(buffer.ToArray());
            return Results.Ok();
        });
        await receiver.StartAsync();
        var template = "otlp-" + Guid.NewGuid().ToString("N")[..8];

        using (var provider = PrebuildMetrics.OtlpMeterProvider(options =>
        {
            options.Protocol = OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf;
            options.Endpoint = new Uri(receiver.Urls.First().TrimEnd('/') + "/v1/metrics");
        }))
        {
            var tags = new KeyValuePair<string, object?>[] { new("template_name", template), new("preset_name", "fast") };
            QueueMetrics.CreationDuration.Record(42.5, [.. tags, new("type", "prebuild")]);
            PrebuildMetrics.ClaimDuration.Record(3.25, tags);
            PrebuildMetrics.ClaimedTotal.Add(1, tags);
            Assert.True(provider.ForceFlush(30_000), "the OTLP export did not finish");
        }

        var kinds = new Dictionary<string, HashSet<int>>(StringComparer.Ordinal);
        foreach (var body in bodies)
        {
            foreach (var resource in Fields(body).Where(f => f.Number == ResourceMetricsField))
            {
                foreach (var scope in Fields(resource.Bytes).Where(f => f.Number == ScopeMetricsField))
                {
                    foreach (var metric in Fields(scope.Bytes).Where(f => f.Number == MetricsField))
                    {
                        var fields = Fields(metric.Bytes).ToList();
                        var name = System.Text.Encoding.UTF8.GetString(fields.Single(f => f.Number == NameField).Bytes.Span);
                        var data = fields.Where(f => f.Number is SumField or HistogramField or ExponentialHistogramField).Select(f => f.Number);
                        kinds.TryAdd(name, []);
                        kinds[name].UnionWith(data);
                    }
                }
            }
        }

        Assert.Equal([ExponentialHistogramField], kinds["outpost_workspace_creation_duration"]);
        Assert.Equal([ExponentialHistogramField], kinds["outpost_prebuilt_workspace_claim_duration"]);
        Assert.Equal([SumField], kinds["outpost_prebuilt_workspaces_claimed"]);

        // The points carry the recorded value: the template's point counts one measurement with its sum.
        // Cumulative: the flush and the final export at disposal may both carry it.
        var point = ExponentialPoints(bodies, "outpost_prebuilt_workspace_claim_duration").Last(p => p.Template == template);
        Assert.Equal((1UL, 3.25), (point.Count, point.Sum));
    }

    /// <summary>The data points of an exponential histogram: their template_name, count (field 4) and sum (field 5).</summary>
    private static IEnumerable<(string? Template, ulong Count, double Sum)> ExponentialPoints(IEnumerable<byte[]> bodies, string metricName) =>
        from body in bodies
        from resource in Fields(body).Where(f => f.Number == ResourceMetricsField)
        from scope in Fields(resource.Bytes).Where(f => f.Number == ScopeMetricsField)
        from metric in Fields(scope.Bytes).Where(f => f.Number == MetricsField)
        let fields = Fields(metric.Bytes).ToList()
        where System.Text.Encoding.UTF8.GetString(fields.Single(f => f.Number == NameField).Bytes.Span) == metricName
        from histogram in fields.Where(f => f.Number == ExponentialHistogramField)
        from point in Fields(histogram.Bytes).Where(f => f.Number == 1)
        let pointFields = Fields(point.Bytes).ToList()
        select (Attribute(pointFields, "template_name"), pointFields.Single(f => f.Number == 4).Value, BitConverter.UInt64BitsToDouble(pointFields.Single(f => f.Number == 5).Value));

    /// <summary>A string attribute (KeyValue: key 1, AnyValue 2 whose string_value is 1).</summary>
    private static string? Attribute(List<ProtoField> point, string key) =>
        point.Where(f => f.Number == 1).Select(f => Fields(f.Bytes).ToList())
            .Where(kv => System.Text.Encoding.UTF8.GetString(kv.Single(f => f.Number == 1).Bytes.Span) == key)
            .Select(kv => System.Text.Encoding.UTF8.GetString(Fields(kv.Single(f => f.Number == 2).Bytes).Single(f => f.Number == 1).Bytes.Span))
            .FirstOrDefault();

    private static IEnumerable<ProtoField> Fields(ReadOnlyMemory<byte> message) => ProtoField.Read(message);
}
