using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Outpost.Sdk.Sessions;

namespace Outpost.Benchmarks.Sessions;

/// <summary>
/// Issue 16 point 5, throughput: 16 MiB in 32 KiB session frames on the direct path (one client WebSocket to the agent's
/// WebSocket over one loopback TCP connection, as after the direct upgrade) and through the relay
/// (<see cref="RelayChain"/>), against a plain in-process TCP forwarder moving the same bytes in the same chunks.
/// Goal: direct ≥ 80 % of the forwarder.
/// </summary>
[ShortJob]
[MemoryDiagnoser]
public class DirectPathBenchmarks
{
    private const int Chunk = SessionLimits.MaxPayloadBytes;
    private const long Bytes = 16 * 1024L * 1024L;

    private readonly byte[] _payload = new byte[Chunk];
    private readonly ByteCounter _direct = new();
    private readonly ByteCounter _relayed = new();
    private readonly ByteCounter _forwarded = new();
    private readonly List<IDisposable> _resources = [];
    private TcpListener _listener = null!;
    private RelayChain _chain = null!;
    private SessionSocket _directClient = null!;
    private Socket _source = null!;

    [GlobalSetup]
    public void Setup()
    {
        Random.Shared.NextBytes(_payload);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _chain = RelayChain.OpenAsync(_listener).GetAwaiter().GetResult();
        _ = PathEndpoints.DrainAsync(_chain.Agent, _relayed);
        var (client, agent) = RelayChain.WebSocketPairAsync(_listener).GetAwaiter().GetResult();
        _directClient = new SessionSocket(client);
        var directAgent = new SessionSocket(agent);
        _resources.AddRange([_directClient, directAgent]);
        _ = PathEndpoints.DrainAsync(directAgent, _direct);
        (_source, var forwarder) = PathEndpoints.ForwarderAsync(_listener, _forwarded).GetAwaiter().GetResult();
        _resources.AddRange(forwarder);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _chain.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _source.Dispose();
        _resources.ForEach(r => r.Dispose());
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

    [Benchmark(Description = "Direct, 16 MiB")]
    public Task Direct() => SendFramesAsync(_directClient, _direct);

    [Benchmark(Description = "Relay, 16 MiB")]
    public Task Relay() => SendFramesAsync(_chain.Client, _relayed);

    private async Task SendFramesAsync(SessionSocket client, ByteCounter counter)
    {
        var arrived = counter.Expect(Bytes);
        for (long sent = 0; sent < Bytes; sent += Chunk)
        {
            await client.SendAsync(SessionFrameType.Stdin, _payload, CancellationToken.None);
        }

        await arrived;
    }
}

/// <summary>
/// Issue 16 point 5, latency: one 64-byte round trip (a ping's size) echoed by the far end, on loopback TCP (the
/// baseline), on the direct path and through the relay.
/// </summary>
[ShortJob]
public class PathLatencyBenchmarks
{
    private readonly byte[] _ping = new byte[64];
    private readonly byte[] _pong = new byte[64];
    private readonly List<IDisposable> _resources = [];
    private TcpListener _listener = null!;
    private RelayChain _chain = null!;
    private SessionSocket _directClient = null!;
    private Socket _tcpClient = null!;

    [GlobalSetup]
    public void Setup()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _chain = RelayChain.OpenAsync(_listener).GetAwaiter().GetResult();
        _ = PathEndpoints.EchoAsync(_chain.Agent);
        var (client, agent) = RelayChain.WebSocketPairAsync(_listener).GetAwaiter().GetResult();
        _directClient = new SessionSocket(client);
        var directAgent = new SessionSocket(agent);
        _resources.AddRange([_directClient, directAgent]);
        _ = PathEndpoints.EchoAsync(directAgent);
        _tcpClient = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accepting = _listener.AcceptSocketAsync();
        _tcpClient.Connect((IPEndPoint)_listener.LocalEndpoint);
        var echo = accepting.GetAwaiter().GetResult();
        echo.NoDelay = true;
        _resources.AddRange([_tcpClient, echo]);
        _ = PathEndpoints.EchoAsync(echo);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _chain.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _resources.ForEach(r => r.Dispose());
        _listener.Stop();
    }

    [Benchmark(Baseline = true, Description = "Loopback TCP round trip")]
    public async Task Loopback()
    {
        await _tcpClient.SendAsync(_ping, SocketFlags.None);
        var received = 0;
        while (received < _pong.Length)
        {
            received += await _tcpClient.ReceiveAsync(_pong.AsMemory(received), SocketFlags.None);
        }
    }

    [Benchmark(Description = "Direct round trip")]
    public Task Direct() => RoundTripAsync(_directClient);

    [Benchmark(Description = "Relay round trip")]
    public Task Relay() => RoundTripAsync(_chain.Client);

    private async Task RoundTripAsync(SessionSocket client)
    {
        await client.SendAsync(SessionFrameType.Stdin, _ping, CancellationToken.None);
        await client.ReceiveAsync(CancellationToken.None);
    }
}

/// <summary>The far ends the path benchmarks share.</summary>
internal static class PathEndpoints
{
    public static async Task DrainAsync(SessionSocket agent, ByteCounter counter)
    {
        while (await agent.ReceiveAsync(CancellationToken.None) is { Type: not SessionFrameType.Close } frame)
        {
            counter.Add(frame.Payload.Length);
        }
    }

    /// <summary>Answers every frame with a stdout frame of the same bytes, as a ping session does.</summary>
    public static async Task EchoAsync(SessionSocket agent)
    {
        while (await agent.ReceiveAsync(CancellationToken.None) is { Type: not SessionFrameType.Close } frame)
        {
            await agent.SendAsync(SessionFrameType.Stdout, frame.Payload.Span, CancellationToken.None);
        }
    }

    public static async Task EchoAsync(Socket socket)
    {
        var buffer = new byte[64];
        int count;
        while ((count = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
        {
            await socket.SendAsync(buffer.AsMemory(0, count), SocketFlags.None);
        }
    }

    /// <summary>source → forwarder → sink on loopback, the forwarder copying with one 32 KiB buffer; the source and the sockets to dispose.</summary>
    public static async Task<(Socket Source, IDisposable[] Resources)> ForwarderAsync(TcpListener listener, ByteCounter counter)
    {
        var source = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accepting = listener.AcceptSocketAsync();
        await source.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
        var forwarderIn = await accepting;
        var forwarderOut = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        accepting = listener.AcceptSocketAsync();
        await forwarderOut.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
        var sink = await accepting;
        _ = CopyAsync(forwarderIn, forwarderOut);
        _ = DrainAsync(sink, counter);
        return (source, [forwarderIn, forwarderOut, sink]);
    }

    private static async Task CopyAsync(Socket from, Socket to)
    {
        var buffer = new byte[SessionLimits.MaxPayloadBytes];
        int count;
        while ((count = await from.ReceiveAsync(buffer, SocketFlags.None)) > 0)
        {
            await to.SendAsync(buffer.AsMemory(0, count), SocketFlags.None);
        }
    }

    private static async Task DrainAsync(Socket sink, ByteCounter counter)
    {
        var buffer = new byte[SessionLimits.MaxPayloadBytes];
        int count;
        while ((count = await sink.ReceiveAsync(buffer, SocketFlags.None)) > 0)
        {
            counter.Add(count);
        }
    }
}
