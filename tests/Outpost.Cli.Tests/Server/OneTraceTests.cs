using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Server;

/// <summary>
/// Issue 24 point 1: with OTLP configured on every process, one <c>outpost create</c> is one trace in a
/// collector — the CLI's span, the server's request and enqueue, the daemon's job with its plan and apply,
/// and the agent's start (manifest, startup scripts) in the agent process the apply started. The collector
/// is a hand-written fake at that boundary that decodes the spans it is sent.
/// </summary>
[Collection(nameof(ServerProcessTests))]
public sealed class OneTraceTests : IAsyncLifetime
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), $"outpost-trace-{Guid.NewGuid():N}"[..24]);
    private readonly List<Span> _spans = [];
    private readonly SemaphoreSlim _arrived = new(0);
    private WebApplication? _collector;
    private string _collectorUrl = string.Empty;

    private sealed record Span(string TraceId, string SpanId, string ParentSpanId, string Name, string Service);

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _collector = builder.Build();
        _collector.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer);
            var spans = Decode(buffer.ToArray()).ToList();
            lock (_spans)
            {
                _spans.AddRange(spans);
            }

            _arrived.Release();
            return Results.Ok();
        });
        await _collector.StartAsync().WithTimeout();
        _collectorUrl = _collector.Urls.First();
    }

    [Fact]
    public async Task One_create_is_one_trace_from_the_cli_through_the_server_and_the_daemon_to_the_agents_startup()
    {
        var otlp = new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = _collectorUrl,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        };
        var port = FreePort();
        await using var server = OutpostProcess.Start(["server", "--http-address", $"127.0.0.1:{port}", "--data-dir", _dataDir], otlp);
        await server.WaitForLineAsync(l => l.Contains("listening on", StringComparison.Ordinal), TimeSpan.FromMinutes(2));

        using var cli = new TestCli { Timeout = TimeSpan.FromMinutes(5) };
        foreach (var (name, value) in otlp)
        {
            cli.Environment[name] = value;
        }

        var login = await cli.RunAsync("login", $"http://127.0.0.1:{port}", "--first-user-username", "owner", "--first-user-email", "owner@example.com",
            "--first-user-password", "a-long-enough-password");
        Assert.True(login.ExitCode == 0, login.Stderr);
        var push = await cli.RunAsync("templates", "push", "local-starter", "--directory", LocalWorkspacesFixture.LocalStarterDirectory, "--yes");
        Assert.True(push.ExitCode == 0, push.Stderr);

        var create = await cli.RunAsync("create", "traced", "--template", "local-starter", "--yes");
        Assert.True(create.ExitCode == 0, create.Stderr + server.StandardError);

        // Each process exports in its own batches (a parent after its children: the agent's start span ends when its
        // startup scripts do); wait until the agent's scripts span and all its ancestors up to the CLI's have arrived.
        List<Span> trace;
        while (true)
        {
            await _arrived.WaitAsync().WithTimeout(TimeSpan.FromMinutes(1));
            lock (_spans)
            {
                var root = _spans.FirstOrDefault(s => s is { Name: "outpost create", Service: "outpost-cli" });
                var candidate = root is null ? [] : _spans.Where(s => s.TraceId == root.TraceId).ToList();
                var ids = candidate.ToDictionary(s => s.SpanId, s => s.ParentSpanId);
                bool Reaches(Span span)
                {
                    var id = span.SpanId;
                    while (ids.TryGetValue(id, out var parent) && parent.Length > 0)
                    {
                        id = parent;
                    }

                    return id == root!.SpanId;
                }

                if (candidate.FirstOrDefault(s => s.Name == "startup scripts") is { } scriptsSpan && Reaches(scriptsSpan))
                {
                    trace = candidate;
                    break;
                }
            }
        }

        var byId = trace.GroupBy(s => s.SpanId).ToDictionary(g => g.Key, g => g.First());
        var cliSpan = Assert.Single(trace, s => s.Name == "outpost create");
        Assert.Equal(string.Empty, cliSpan.ParentSpanId);

        // The agent's scripts hang, through their parents, from the CLI's span; the chain crosses three processes.
        List<Span> Ancestry(Span span)
        {
            var chain = new List<Span> { span };
            while (chain[^1].ParentSpanId.Length > 0 && byId.TryGetValue(chain[^1].ParentSpanId, out var parent))
            {
                chain.Add(parent);
            }

            return chain;
        }

        string Describe() => string.Join("\n", trace.Where(s => s.Name != "postgresql").Select(s => $"{s.Service} {s.Name} {s.SpanId} <- {s.ParentSpanId}"));

        var scripts = Assert.Single(trace, s => s.Name == "startup scripts");
        var names = Ancestry(scripts).Select(s => (s.Service, s.Name)).Reverse().ToList();
        Assert.True(names[0] == ("outpost-cli", "outpost create"), Describe());
        string[] expected = ["enqueue job", "provisioner job", "apply", "agent start", "startup scripts"];
        Assert.True(expected.Select(n => names.FindIndex(x => x.Name == n)).SequenceEqual(expected.Select(n => names.FindIndex(x => x.Name == n)).Order())
            && expected.All(n => names.Any(x => x.Name == n)), Describe());
        Assert.Equal("outpost-agent", names.Single(x => x.Name == "agent start").Service);
        Assert.Contains(trace, s => s.Name == "plan" && byId.GetValueOrDefault(s.ParentSpanId)?.Name == "provisioner job");
        Assert.Contains(trace, s => s.Name == "manifest" && byId.GetValueOrDefault(s.ParentSpanId)?.Name == "agent start");

        // What the agent runs for its whole life (the control plane's connection and heartbeats, the log pump) is not part of the create.
        Assert.True(trace.Where(s => byId.GetValueOrDefault(s.ParentSpanId)?.Name == "agent start").All(s => s.Name is "manifest" or "startup scripts"), Describe());

        var delete = await cli.RunAsync("delete", "traced", "--yes");
        Assert.True(delete.ExitCode == 0, delete.Stderr);
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

    /// <summary>ExportTraceServiceRequest → ResourceSpans (1: resource, 2: scope spans) → ScopeSpans (2: spans) → Span.</summary>
    private static IEnumerable<Span> Decode(byte[] body) =>
        from resourceSpans in ProtoField.Read(body).Where(f => f.Number == 1)
        let fields = ProtoField.Read(resourceSpans.Bytes).ToList()
        let service = ServiceName(fields)
        from scopeSpans in fields.Where(f => f.Number == 2)
        from span in ProtoField.Read(scopeSpans.Bytes).Where(f => f.Number == 2)
        let spanFields = ProtoField.Read(span.Bytes).ToList()
        select new Span(
            Hex(spanFields, 1), Hex(spanFields, 2), Hex(spanFields, 4), spanFields.Single(f => f.Number == 5).Text, service);

    private static string Hex(List<ProtoField> fields, int number) =>
        fields.FirstOrDefault(f => f.Number == number) is { Bytes.Length: > 0 } field ? Convert.ToHexStringLower(field.Bytes.Span) : string.Empty;

    /// <summary>The resource's <c>service.name</c> (Resource 1: attributes → KeyValue 1: key, 2: AnyValue 1: string).</summary>
    private static string ServiceName(List<ProtoField> resourceSpans) =>
        (from resource in resourceSpans.Where(f => f.Number == 1)
         from attribute in ProtoField.Read(resource.Bytes).Where(f => f.Number == 1)
         let keyValue = ProtoField.Read(attribute.Bytes).ToList()
         where keyValue.Single(f => f.Number == 1).Text == "service.name"
         select ProtoField.Read(keyValue.Single(f => f.Number == 2).Bytes).Single(f => f.Number == 1).Text).FirstOrDefault() ?? string.Empty;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
