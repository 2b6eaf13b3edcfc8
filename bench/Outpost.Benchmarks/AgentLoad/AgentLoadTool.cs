using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Outpost.Agent.ControlPlane;
using Outpost.Agent.Transport;
using Outpost.QueueBench;
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
        var label = StringArg(args, "--label") ?? "run";
        // Extra environment for the server process, e.g. --server-env DOTNET_gcServer=1 (repeatable): to
        // compare runtime settings without rebuilding.
        var serverEnvironment = Enumerable.Range(0, args.Length - 1).Where(i => args[i] == "--server-env").Select(i => args[i + 1]).ToList();
        var root = Directory.CreateTempSubdirectory("outpost-agent-load-").FullName;
        Console.WriteLine($"agent-load: {agents} agents for {seconds} s; working directory {root}; server environment: {(serverEnvironment.Count == 0 ? "default" : string.Join(' ', serverEnvironment))}");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var postgres = (await EmbeddedPostgres.StartAsync(Path.Combine(root, "pg"), NullLogger.Instance, timeout.Token)).Instance
            ?? throw new InvalidOperationException("PostgreSQL could not be started");
        await using var _ = postgres;
        var port = FreePort();
        var metricsPort = FreePort();
        using var serverLog = StringArg(args, "--server-log") is { } logPath ? new StreamWriter(logPath) : null;
        using var server = StartServer(port, metricsPort, postgres.ConnectionString, Path.Combine(root, "server"), serverEnvironment, serverLog);
        try
        {
            var url = new Uri($"http://127.0.0.1:{port}");
            await WaitUntilUpAsync(url, timeout.Token);
            await LoadSeed.CreateAgentsAsync(postgres.ConnectionString, agents);
            var idleRss = ResidentBytes(server.Id);
            using var counters = new ServerCounters(new Uri($"http://127.0.0.1:{metricsPort}/metrics"));
            var machine = new MachineMeter(server.Id, postgres.ClusterDirectory);
            var result = await RunLoadAsync(postgres.ConnectionString, url, agents, TimeSpan.FromSeconds(seconds), server.Id, idleRss, counters, machine);
            Report(result, agents, label);
            if (StringArg(args, "--metrics-out") is { } metricsOut)
            {
                await File.WriteAllTextAsync(metricsOut, counters.LastText);
            }

            return result.Failures == 0 && result.Disconnects == 0 ? 0 : 1;
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<TimeSpan> SettleAsync(string connectionString, int count, ServerCounters counters)
    {
        var watch = Stopwatch.StartNew();
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(connectionString);
        while ((long)(await dataSource.CreateCommand("SELECT count(*) FROM connection_logs WHERE ended_at IS NULL").ExecuteScalarAsync())! < count)
        {
            await Task.Delay(250);
        }

        var quiet = 0;
        while (quiet < 2 && watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            var snapshot = await counters.ReadAsync(CancellationToken.None);
            quiet = snapshot.Sum(ServerCounters.PoolCount, "state=\"used\"") < 5 && snapshot.Sum(ServerCounters.QueueLength) < 5 ? quiet + 1 : 0;
            await Task.Delay(500);
        }

        return watch.Elapsed;
    }

    private static async Task<LoadResult> RunLoadAsync(
        string connectionString, Uri url, int count, TimeSpan duration, int serverPid, long idleRss, ServerCounters counters, MachineMeter machine)
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
        Console.WriteLine($"all {count} agents connected in {connectedIn.TotalSeconds:0.0} s");

        // An agent counts as connected once its WebSocket is up; the server is still recording the connections
        // (connection log, last_connected_at, the workspace channel's subscription and latest-build read) for a
        // while after that. Measuring from here timed the tail of the connection storm, not the agents' steady
        // state: wait until every connection is in the connection log and the database pool is quiet.
        var settledIn = await SettleAsync(connectionString, count, counters);
        Console.WriteLine($"server settled {settledIn.TotalSeconds:0.0} s later; measuring for {duration.TotalSeconds:0} s");

        // The baseline: a trivial endpoint of the same server (buildinfo: no database, no authentication),
        // called in the same slots as the agents' requests, so it sees the same machine and the same load.
        using var baselineClient = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };

        // While every agent holds its connection and heartbeats, agents take turns calling the HTTP
        // side of the agent API: each second a tenth of them fetches the manifest and posts a log
        // line, spread evenly over the second as independent agents would be (not in one burst).
        var samples = new List<Sample>();
        var failures = 0;
        var baselineFailures = 0;
        var next = 0;
        var perSecond = Math.Max(1, count / 10);
        var loadBefore = MachineMeter.LoadAverage();
        var cpuBefore = machine.Read();
        var countersBefore = await counters.ReadAsync(CancellationToken.None);
        using var sampling = new CancellationTokenSource();
        var sampler = counters.SampleAsync(sampling.Token);
        var measure = Stopwatch.StartNew();
        // The load tool's own GC pauses: a stall of this process delays the agent and the baseline requests alike.
        var toolPauses = new List<(double At, double PauseMs)> { (0, GC.GetTotalPauseDuration().TotalMilliseconds) };
        while (measure.Elapsed < duration)
        {
            var tick = Task.Delay(1000);
            var calls = Enumerable.Range(0, perSecond).Select(async slot =>
            {
                await Task.Delay(TimeSpan.FromMilliseconds(slot * 1000.0 / perSecond));
                var at = connectWatch.Elapsed.TotalSeconds;
                var watch = Stopwatch.StartNew();
                bool baselineOk;
                try
                {
                    using var response = await baselineClient.GetAsync(new Uri("/api/v2/buildinfo", UriKind.Relative));
                    await response.Content.ReadAsByteArrayAsync();
                    baselineOk = response.IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    baselineOk = false;
                }

                var baselineMs = watch.Elapsed.TotalMilliseconds;
                var transport = transports[Interlocked.Increment(ref next) % count];
                watch.Restart();
                var manifest = await transport.GetManifestAsync(CancellationToken.None);
                var manifestMs = watch.Elapsed.TotalMilliseconds;
                watch.Restart();
                var logs = await transport.SendLogsAsync([new AgentLogLine { CreatedAt = DateTimeOffset.UtcNow, Source = "load", Output = "still here" }], CancellationToken.None);
                return new Sample(at, baselineMs, baselineOk, manifestMs, watch.Elapsed.TotalMilliseconds, manifest.Failure is null && logs is null);
            }).ToList();
            toolPauses.Add((measure.Elapsed.TotalSeconds, GC.GetTotalPauseDuration().TotalMilliseconds));
            foreach (var call in await Task.WhenAll(calls))
            {
                samples.Add(call);
                failures += call.Ok ? 0 : 1;
                baselineFailures += call.BaselineOk ? 0 : 1;
            }

            await tick;
        }

        var measured = measure.Elapsed;
        await sampling.CancelAsync();
        await sampler;
        var countersAfter = await counters.ReadAsync(CancellationToken.None);
        var cpuAfter = machine.Read();
        var loadAfter = MachineMeter.LoadAverage();
        var loadedRss = ResidentBytes(serverPid);
        var disconnects = loops.Sum(l => l.Exits.Count);
        await stop.CancelAsync();
        try
        {
            await Task.WhenAll(running);
        }
        catch (Exception ex) when (ex is OperationCanceledException or System.Net.WebSockets.WebSocketException or IOException)
        {
            // The agents stop after the measurement; a loop that ends with an error here does not change what was measured.
            var stopFailures = running.Count(t => t.IsFaulted || t.IsCanceled);
            Console.WriteLine($"{stopFailures} agent loops ended with an error while stopping (after the measured period), the first: {ex.GetType().Name}: {ex.Message}");
        }

        transports.ForEach(t => t.Dispose());
        return new LoadResult(connectedIn, settledIn, measured, samples, failures, baselineFailures, idleRss, loadedRss, disconnects,
            counters.Between(countersBefore, countersAfter), MachineMeter.Between(cpuBefore, cpuAfter), loadBefore, loadAfter, counters.Timeline, toolPauses);
    }

    private static void Report(LoadResult result, int agents, string label)
    {
        var agent = new Percentiles(result.Samples.SelectMany(s => new[] { s.ManifestMs, s.LogsMs }));
        var baseline = new Percentiles(result.Samples.Select(s => s.BaselineMs));
        var perAgent = (result.LoadedRss - result.IdleRss) / (double)agents;
        var c = result.Counters;
        var cpu = result.Cpu;
        var seconds = result.Measured.TotalSeconds;
        string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
        Console.WriteLine();
        Console.WriteLine("| Run | Agents | Requests | Failed | Agent API p50 / p95 / p99 | Baseline p50 / p95 / p99 | Ratio p50 / p95 / p99 | Server RSS idle → loaded | Per connected agent | Unexpected disconnects | Load average before → after |");
        Console.WriteLine("| --- | ---: | ---: | ---: | --- | --- | --- | --- | ---: | ---: | --- |");
        Console.WriteLine(F($"| {label} | {agents} | {agent.Count} + {baseline.Count} | {result.Failures} + {result.BaselineFailures} | {agent.At(50):0.0} / {agent.At(95):0.0} / {agent.At(99):0.0} ms | {baseline.At(50):0.0} / {baseline.At(95):0.0} / {baseline.At(99):0.0} ms | {agent.At(50) / baseline.At(50):0.0}× / {agent.At(95) / baseline.At(95):0.0}× / {agent.At(99) / baseline.At(99):0.0}× | {result.IdleRss / 1048576.0:0} MiB → {result.LoadedRss / 1048576.0:0} MiB | {perAgent / 1024:0.0} KiB | {result.Disconnects} | {result.LoadBefore} → {result.LoadAfter} |"));
        Console.WriteLine();
        Console.WriteLine("| Run | GCs gen0 / gen1 / gen2 | GC pause | Allocated | Thread-pool queue mean / max (threads) | Lock contentions | Pool: samples all in use, max in use / size; opened (ms opening) | CPU s: server / PostgreSQL / load tool (of measured s) |");
        Console.WriteLine("| --- | --- | ---: | ---: | --- | ---: | --- | --- |");
        Console.WriteLine(F($"| {label} | {c.Gen0:0} / {c.Gen1:0} / {c.Gen2:0} | {c.PauseMs:0} ms ({c.PauseMs / 10 / seconds:0.0} %) | {c.AllocatedMiB:0} MiB | {c.QueueMean:0.0} / {c.QueueMax:0} ({c.Threads:0}) | {c.LockContentions:0} | {c.SamplesSaturated} of {c.Samples}, {c.UsedMax:0} / {c.PoolMax:0}; {c.Opened:0} ({c.OpenMs:0} ms) | {cpu.Server.TotalSeconds:0.0} / {cpu.Postgres.TotalSeconds:0.0} / {cpu.Tool.TotalSeconds:0.0} (of {seconds:0}) |"));
        Console.WriteLine();

        // A timeline of the measured period, one entry per second: requests at or above the p95, GC pause time
        // and collections that ended in that second, the largest sampled thread-pool queue and connections in use.
        // Stalls that line up with GC pauses, a backed-up queue or a full pool name their cause; stalls every
        // 10 s would be synchronized heartbeats.
        var threshold = agent.At(95);
        var start = result.Samples.Count == 0 ? 0 : result.Samples.Min(s => s.At);
        var secondsCount = (int)Math.Ceiling(seconds) + 1;
        var slow = new int[secondsCount];
        foreach (var sample in result.Samples)
        {
            var second = Math.Clamp((int)(sample.At - start), 0, secondsCount - 1);
            slow[second] += (sample.ManifestMs >= threshold ? 1 : 0) + (sample.LogsMs >= threshold ? 1 : 0);
        }

        var pause = new double[secondsCount];
        var gcs = new double[secondsCount];
        var queue = new double[secondsCount];
        var used = new double[secondsCount];
        for (var i = 1; i < result.Timeline.Count; i++)
        {
            var (at, pauseMs, count, length, inUse) = result.Timeline[i];
            var second = Math.Clamp((int)at, 0, secondsCount - 1);
            pause[second] += pauseMs - result.Timeline[i - 1].PauseMs;
            gcs[second] += count - result.Timeline[i - 1].Gcs;
            queue[second] = Math.Max(queue[second], length);
            used[second] = Math.Max(used[second], inUse);
        }

        var toolPause = new double[secondsCount];
        for (var i = 1; i < result.ToolPauses.Count; i++)
        {
            toolPause[Math.Clamp((int)result.ToolPauses[i].At, 0, secondsCount - 1)] += result.ToolPauses[i].PauseMs - result.ToolPauses[i - 1].PauseMs;
        }

        Console.WriteLine(F($"timeline (second: slow requests ≥ p95 {threshold:0} ms / server GCs, GC pause ms / max thread-pool queue / max connections in use / load tool's GC pause ms):"));
        Console.WriteLine(string.Join(" ", Enumerable.Range(0, secondsCount).Select(i => F($"{i}:{slow[i]}/{gcs[i]:0},{pause[i]:0}/{queue[i]:0}/{used[i]:0}/{toolPause[i]:0}"))));
        Console.WriteLine(F($"load tool: {result.ToolPauses[^1].PauseMs - result.ToolPauses[0].PauseMs:0} ms of GC pause in the measured period ({GCSettings.IsServerGC switch { true => "server", false => "workstation" }} GC)"));
        Console.WriteLine($"(all agents connected in {result.ConnectedIn.TotalSeconds:0.0} s, the server settled {result.SettledIn.TotalSeconds:0.0} s later; Coder's published figure: p95 220 ms at 2,000 agents on 2 × 4 vCPU, coder-spec §10)");
    }

    private static Process StartServer(int port, int metricsPort, string connectionString, string dataDirectory, List<string> environment, StreamWriter? log)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "outpost.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { cli, "server", "--http-address", $"127.0.0.1:{port}", "--postgres-url", connectionString, "--data-dir", dataDirectory, "--prometheus-address", $"127.0.0.1:{metricsPort}" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["OUTPOST_TELEMETRY"] = "off";
        foreach (var pair in environment)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            start.Environment[pair[..equals]] = pair[(equals + 1)..];
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += (_, line) =>
        {
            if (log is not null && line.Data is not null)
            {
                lock (log)
                {
                    log.WriteLine(line.Data);
                }
            }
        };
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

    private static string? StringArg(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    /// <summary>One slot: the baseline request, then one agent's manifest fetch and log post; <see cref="At"/> in seconds since the agents started connecting.</summary>
    private sealed record Sample(double At, double BaselineMs, bool BaselineOk, double ManifestMs, double LogsMs, bool Ok);

    private sealed record LoadResult(
        TimeSpan ConnectedIn, TimeSpan SettledIn, TimeSpan Measured, List<Sample> Samples, int Failures, int BaselineFailures, long IdleRss, long LoadedRss, int Disconnects,
        ServerCounters.Period Counters, MachineMeter.Usage Cpu, string LoadBefore, string LoadAfter,
        IReadOnlyList<(double At, double PauseMs, double Gcs, double Queue, double Used)> Timeline, List<(double At, double PauseMs)> ToolPauses);
}
