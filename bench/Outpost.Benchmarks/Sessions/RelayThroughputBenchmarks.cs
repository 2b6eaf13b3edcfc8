using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Outpost.Sdk.Sessions;

namespace Outpost.Benchmarks.Sessions;

/// <summary>
/// Issue 15 point 7: one stream through the relay (client WebSocket → <see cref="Outpost.Server.Sessions.SessionRelay"/>
/// → agent WebSocket, each hop loopback TCP) against a plain in-process TCP forwarder (source → forwarder → sink)
/// moving the same bytes in the same 32 KiB chunks. Goal: the relay at least 50 % of the forwarder's throughput.
/// </summary>
[ShortJob]
[MemoryDiagnoser]
public class RelayThroughputBenchmarks
{
    private const int Chunk = SessionLimits.MaxPayloadBytes;
    private const int Megabytes = 16;
    private const long Bytes = Megabytes * 1024L * 1024L;

    private readonly byte[] _payload = new byte[Chunk];
    private readonly ByteCounter _relayed = new();
    private readonly ByteCounter _forwarded = new();
    private TcpListener _listener = null!;
    private RelayChain _chain = null!;
    private Socket _source = null!;
    private readonly List<IDisposable> _resources = [];

    [GlobalSetup]
    public void Setup()
    {
        Random.Shared.NextBytes(_payload);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _chain = RelayChain.OpenAsync(_listener).GetAwaiter().GetResult();
        _ = DrainAgentAsync(_chain.Agent, _relayed);
        _source = SetUpForwarderAsync().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _chain.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _source.Dispose();
        foreach (var resource in _resources)
        {
            resource.Dispose();
        }

        _listener.Stop();
    }

    [Benchmark(Baseline = true, Description = "TCP forwarder, 16 MiB")]
    public async Task Tcp_forwarder()
    {
        var arrived = _forwarded.Expect(Bytes);
        for (long sent = 0; sent < Bytes; sent += Chunk)
        {
            await _source.SendAsync(_payload, SocketFlags.None);
        }

        await arrived;
    }

    [Benchmark(Description = "Relay, 16 MiB")]
    public async Task Relay()
    {
        var arrived = _relayed.Expect(Bytes);
        for (long sent = 0; sent < Bytes; sent += Chunk)
        {
            await _chain.Client.SendAsync(SessionFrameType.Stdin, _payload, CancellationToken.None);
        }

        await arrived;
    }

    private static async Task DrainAgentAsync(SessionSocket agent, ByteCounter counter)
    {
        while (await agent.ReceiveAsync(CancellationToken.None) is { Type: not SessionFrameType.Close } frame)
        {
            counter.Add(frame.Payload.Length);
        }
    }

    /// <summary>source → (accepted) forwarder → sink: the forwarder copies with one 32 KiB buffer per direction, as the relay holds one frame.</summary>
    private async Task<Socket> SetUpForwarderAsync()
    {
        var source = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accepting = _listener.AcceptSocketAsync();
        await source.ConnectAsync((IPEndPoint)_listener.LocalEndpoint);
        var forwarderIn = await accepting;
        var forwarderOut = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        accepting = _listener.AcceptSocketAsync();
        await forwarderOut.ConnectAsync((IPEndPoint)_listener.LocalEndpoint);
        var sink = await accepting;
        _resources.AddRange([forwarderIn, forwarderOut, sink]);
        _ = CopyAsync(forwarderIn, forwarderOut);
        _ = DrainAsync(sink, _forwarded);
        return source;
    }

    private static async Task CopyAsync(Socket from, Socket to)
    {
        var buffer = new byte[Chunk];
        int count;
        while ((count = await from.ReceiveAsync(buffer, SocketFlags.None)) > 0)
        {
            await to.SendAsync(buffer.AsMemory(0, count), SocketFlags.None);
        }
    }

    private static async Task DrainAsync(Socket sink, ByteCounter counter)
    {
        var buffer = new byte[Chunk];
        int count;
        while ((count = await sink.ReceiveAsync(buffer, SocketFlags.None)) > 0)
        {
            counter.Add(count);
        }
    }
}
