using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Outpost.Agent.ControlPlane;
using Outpost.Agent.Transport;
using Outpost.Sdk.Agents;
using Outpost.Server.Database;

namespace Outpost.Benchmarks.AgentLoad;

/// <summary>
/// Holds N simulated agents on one real <c>outpost server</c> process (its own embedded PostgreSQL):
/// each runs the agent's real control-plane loop (heartbeat every 10 s, stats every 30 s), and the
/// tool times agent API requests (manifest and logs) while they are connected. Reports the latency
/// percentiles and the server's resident memory per connected agent.
/// </summary>
internal static class AgentLoadTool
{
    public const string Verb = "agent-load";

    public static async Task<int> RunAsync(string[] args)
    {
        var agents = IntArg(args, "--agents", 1000);
        var seconds = IntArg(args, "--seconds", 60);
        var root = Directory.CreateTempSubdirectory("outpost-agent-load-").FullName;
        Console.WriteLine($"agent-load: {agents} agents for {seconds} s; working directory {root}");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var postgres = (await EmbeddedPostgres.StartAsync(Path.Combine(root, "pg"), NullLogger.Instance, timeout.Token)).Instance
            ?? throw new InvalidOperationException("PostgreSQL could not be started");
        await using var _ = postgres;
        var port = FreePort();
        using var server = StartServer(port, postgres.ConnectionString, Path.Combine(root, "server"));
        try
        {
            var url = new Uri($"http://127.0.0.1:{port}");
            await WaitUntilUpAsync(url, timeout.Token);
            await LoadSeed.CreateAgentsAsync(postgres.ConnectionString, agents);
            var idleRss = ResidentBytes(server.Id);
            var result = await RunLoadAsync(url, agents, TimeSpan.FromSeconds(seconds), server.Id, idleRss);
            Report(result, agents);
            return 0;
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<LoadResult> RunLoadAsync(Uri url, int count, TimeSpan duration, int serverPid, long idleRss)
    {
        using var stop = new CancellationTokenSource();
        var transports = Enumerable.Range(0, count).Select(i => new HttpAgentTransport(url, LoadSeed.Token(i))).ToList();
        var loops = new List<ControlPlaneLoop>(count);
        var running = new List<Task>(count);
        var connectWatch = Stopwatch.StartNew();
        foreach (var transport in transports)
        {
            var loop = new ControlPlaneLoop(transport, new LifecycleReporter(TimeProvider.System), new ControlPlaneOptions(), TimeProvider.System, NullLogger.Instance)
            {
                CollectStats = () => new StatsMessage { CollectedAt = DateTimeOffset.UtcNow, MemoryBytes = 64 << 20, UptimeSeconds = 1 },
            };
            loops.Add(loop);
            running.Add(Task.Run(() => loop.RunAsync(stop.Token)));
        }

        while (loops.Count(l => l.Connections > 0) < count)
        {
            await Task.Delay(100);
            if (connectWatch.Elapsed > TimeSpan.FromMinutes(3))
            {
                throw new TimeoutException($"only {loops.Count(l => l.Connections > 0)} of {count} agents connected");
            }
        }

        var connectedIn = connectWatch.Elapsed;
        Console.WriteLine($"all {count} agents connected in {connectedIn.TotalSeconds:0.0} s; measuring for {duration.TotalSeconds:0} s");

        // While every agent holds its connection and heartbeats, agents take turns calling the HTTP
        // side of the agent API: each second a tenth of them fetches the manifest and posts a log
        // line, spread evenly over the second as independent agents would be (not in one burst).
        var latencies = new List<double>();
        var failures = 0;
        var measure = Stopwatch.StartNew();
        var next = 0;
        var perSecond = Math.Max(1, count / 10);
        while (measure.Elapsed < duration)
        {
            var tick = Task.Delay(1000);
            var calls = Enumerable.Range(0, perSecond).Select(async slot =>
            {
                await Task.Delay(TimeSpan.FromMilliseconds(slot * 1000.0 / perSecond));
                var transport = transports[Interlocked.Increment(ref next) % count];
                var watch = Stopwatch.StartNew();
                var manifest = await transport.GetManifestAsync(CancellationToken.None);
                var manifestMs = watch.Elapsed.TotalMilliseconds;
                watch.Restart();
                var logs = await transport.SendLogsAsync([new AgentLogLine { CreatedAt = DateTimeOffset.UtcNow, Source = "load", Output = "still here" }], CancellationToken.None);
                return (manifestMs, logsMs: watch.Elapsed.TotalMilliseconds, ok: manifest.Failure is null && logs is null);
            }).ToList();
            foreach (var call in await Task.WhenAll(calls))
            {
                latencies.Add(call.manifestMs);
                latencies.Add(call.logsMs);
                failures += call.ok ? 0 : 1;
            }

            await tick;
        }

        var loadedRss = ResidentBytes(serverPid);
        var disconnects = loops.Sum(l => l.Exits.Count);
        await stop.CancelAsync();
        await Task.WhenAll(running);
        transports.ForEach(t => t.Dispose());
        latencies.Sort();
        return new LoadResult(connectedIn, latencies, failures, idleRss, loadedRss, disconnects);
    }

    private static void Report(LoadResult result, int agents)
    {
        double Percentile(double p) => result.Latencies[(int)Math.Min(result.Latencies.Count - 1, Math.Ceiling(p * result.Latencies.Count) - 1)];
        var perAgent = (result.LoadedRss - result.IdleRss) / (double)agents;
        Console.WriteLine();
        Console.WriteLine("| Agents | Requests | Failed | p50 | p95 | p99 | Server RSS idle → loaded | Per connected agent | Unexpected disconnects |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {agents} | {result.Latencies.Count} | {result.Failures} | {Percentile(0.50):0.0} ms | {Percentile(0.95):0.0} ms | {Percentile(0.99):0.0} ms | {result.IdleRss / 1048576.0:0} MiB → {result.LoadedRss / 1048576.0:0} MiB | {perAgent / 1024:0} KiB | {result.Disconnects} |"));
        Console.WriteLine($"(all agents connected in {result.ConnectedIn.TotalSeconds:0.0} s; Coder's published figure: p95 220 ms at 2,000 agents on 2 × 4 vCPU, coder-spec §10)");
    }

    private static Process StartServer(int port, string connectionString, string dataDirectory)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "outpost.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { cli, "server", "--http-address", $"127.0.0.1:{port}", "--postgres-url", connectionString, "--data-dir", dataDirectory })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["OUTPOST_TELEMETRY"] = "off";
        var process = Process.Start(start)!;
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitUntilUpAsync(Uri url, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = url };
        while (true)
        {
            try
            {
                using var response = await client.GetAsync(new Uri("/api/v2/buildinfo", UriKind.Relative), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    private static long ResidentBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static int IntArg(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private sealed record LoadResult(TimeSpan ConnectedIn, List<double> Latencies, int Failures, long IdleRss, long LoadedRss, int Disconnects);
}
