using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Outpost.Sdk.Sessions;

namespace Outpost.Benchmarks.Sessions;

/// <summary>
/// Issue 15 point 7, the two distributions BenchmarkDotNet does not measure:
/// <list type="bullet">
/// <item>fairness — 100 light interactive sessions (one 16-byte keystroke every 20 ms, echoed by the agent) through
/// the real relay; their p99 round trip while one greedy session floods its client with output, against the same
/// without it, in the same run. Goal: at most 2×.</item>
/// <item>memory per idle session — the managed heap after opening N relayed sessions, minus the heap after opening
/// the same endpoints (2 WebSocket pairs each) without a relay, in the same run.</item>
/// </list>
/// Everything (clients, relay, agents) runs in this one process on the same cores, so the greedy stream's CPU use is
/// counted against the light sessions too: a pessimistic setting for the relay.
/// </summary>
internal static class RelayFairnessTool
{
    public const string Verb = "relay-fairness";

    public static async Task<int> RunAsync(string[] args)
    {
        var sessions = IntArg(args, "--sessions", 100);
        var seconds = IntArg(args, "--seconds", 3);
        var idle = IntArg(args, "--idle", 200);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start(1024);

        var light = new List<RelayChain>();
        for (var i = 0; i < sessions; i++)
        {
            var chain = await RelayChain.OpenAsync(listener);
            _ = EchoAsync(chain.Agent);
            light.Add(chain);
        }

        // Warm up the path, then measure without and with the greedy stream.
        await MeasureAsync(light, TimeSpan.FromSeconds(1));
        var quiet = await MeasureAsync(light, TimeSpan.FromSeconds(seconds));
        var greedy = await RelayChain.OpenAsync(listener);
        using var stopFlood = new CancellationTokenSource();
        var flooded = new ByteCounter();
        var flood = FloodAsync(greedy.Agent, stopFlood.Token);
        var reader = DrainClientAsync(greedy.Client, flooded);
        var floodStarted = Stopwatch.GetTimestamp();
        var loaded = await MeasureAsync(light, TimeSpan.FromSeconds(seconds));
        var floodSeconds = Stopwatch.GetElapsedTime(floodStarted).TotalSeconds;
        await stopFlood.CancelAsync();
        var floodBytes = await flood;

        Console.WriteLine($"light sessions: {sessions}, keystroke every 20 ms, {seconds} s per phase");
        Console.WriteLine($"without greedy: {Describe(quiet)}");
        Console.WriteLine($"with greedy:    {Describe(loaded)}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"p99 ratio: {Percentile(loaded, 0.99) / Percentile(quiet, 0.99):0.00}x (goal <= 2x); greedy stream moved {floodBytes / 1048576.0 / floodSeconds:0} MiB/s meanwhile"));

        await greedy.DisposeAsync();
        _ = reader;
        await Task.WhenAll(light.Select(c => c.DisposeAsync().AsTask()));

        var (relayed, bare) = await IdleMemoryAsync(listener, idle);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"idle sessions: {idle}; heap per relayed session {relayed / idle:0} B, per bare endpoint pair set {bare / idle:0} B, relay's own share {(relayed - bare) / idle:0} B"));
        return 0;
    }

    private static async Task<List<double>> MeasureAsync(List<RelayChain> chains, TimeSpan duration)
    {
        var samples = new List<double>[chains.Count];
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(chains.Select((chain, i) => Task.Run(async () =>
        {
            var mine = samples[i] = [];
            var keystroke = new byte[16];
            // Spread the sessions over the 20 ms cadence.
            await Task.Delay(TimeSpan.FromMilliseconds(20.0 * i / chains.Count));
            while (Stopwatch.GetTimestamp() < deadline)
            {
                var sent = Stopwatch.GetTimestamp();
                await chain.Client.SendAsync(SessionFrameType.Stdin, keystroke, CancellationToken.None);
                if (await chain.Client.ReceiveAsync(CancellationToken.None) is not { Type: SessionFrameType.Stdout })
                {
                    throw new InvalidOperationException("the echo did not come back");
                }

                var elapsed = Stopwatch.GetElapsedTime(sent);
                mine.Add(elapsed.TotalMilliseconds);
                var rest = TimeSpan.FromMilliseconds(20) - elapsed;
                if (rest > TimeSpan.Zero)
                {
                    await Task.Delay(rest);
                }
            }
        })));
        return [.. samples.SelectMany(s => s).Order()];
    }

    private static async Task<(long Relayed, long Bare)> IdleMemoryAsync(TcpListener listener, int count)
    {
        var before = Heap();
        var chains = new List<RelayChain>();
        for (var i = 0; i < count; i++)
        {
            chains.Add(await RelayChain.OpenAsync(listener));
        }

        var relayed = Heap() - before;
        await Task.WhenAll(chains.Select(c => c.DisposeAsync().AsTask()));

        chains.Clear();
        before = Heap();
        var pairs = new List<System.Net.WebSockets.WebSocket>();
        for (var i = 0; i < count; i++)
        {
            // The same endpoints as a relayed session (two WebSocket pairs over loopback, a receive pending on the
            // relay's side of each as the splice keeps one), with no relay between them.
            var (a, b) = await RelayChain.WebSocketPairAsync(listener);
            var (c, d) = await RelayChain.WebSocketPairAsync(listener);
            pairs.AddRange([a, b, c, d]);
            var relaySide = new SessionSocket(b);
            var agentSide = new SessionSocket(d);
            _ = relaySide.ReceiveRawAsync(CancellationToken.None);
            _ = agentSide.ReceiveRawAsync(CancellationToken.None);
        }

        var bare = Heap() - before;
        foreach (var socket in pairs)
        {
            socket.Abort();
            socket.Dispose();
        }

        GC.KeepAlive(chains);
        return (relayed, bare);
    }

    private static long Heap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static async Task EchoAsync(SessionSocket agent)
    {
        try
        {
            while (await agent.ReceiveAsync(CancellationToken.None) is { Type: SessionFrameType.Stdin } frame)
            {
                await agent.SendAsync(SessionFrameType.Stdout, frame.Payload.Span, CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or IOException or ObjectDisposedException)
        {
            // The session ended.
        }
    }

    private static async Task<long> FloodAsync(SessionSocket agent, CancellationToken stop)
    {
        var chunk = new byte[SessionLimits.MaxPayloadBytes];
        var frame = SessionFrames.Encode(SessionFrameType.Stdout, chunk);
        long sent = 0;
        while (!stop.IsCancellationRequested)
        {
            await agent.SendAsync(frame, CancellationToken.None);
            sent += chunk.Length;
        }

        return sent;
    }

    private static async Task DrainClientAsync(SessionSocket client, ByteCounter counter)
    {
        try
        {
            while (await client.ReceiveAsync(CancellationToken.None) is { Type: not SessionFrameType.Close } frame)
            {
                counter.Add(frame.Payload.Length);
            }
        }
        catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or IOException or ObjectDisposedException)
        {
            // The session ended.
        }
    }

    private static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];

    private static string Describe(List<double> sorted) => string.Create(CultureInfo.InvariantCulture,
        $"{sorted.Count} round trips, p50 {Percentile(sorted, 0.5):0.000} ms, p99 {Percentile(sorted, 0.99):0.000} ms, max {sorted[^1]:0.000} ms");

    private static int IntArg(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
