using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.Json;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Sessions;
using Outpost.Server.Pubsub;
using Outpost.Server.Sessions;

namespace Outpost.Benchmarks.Sessions;

/// <summary>
/// One relayed session as production runs it, minus HTTP and the database: a client WebSocket, the real
/// <see cref="SessionRelay"/> (tickets, the dial message, the splice) and an agent WebSocket, each hop a real loopback
/// TCP connection. The dial message is delivered by a pubsub stand-in that "dials back" at once with the agent side.
/// </summary>
internal sealed class RelayChain : IAsyncDisposable
{
    private static readonly SessionRelayOptions Options = new();

    private readonly Task<RelayEnd> _running;

    private RelayChain(SessionSocket client, SessionSocket agent, Task<RelayEnd> running)
    {
        Client = client;
        Agent = agent;
        _running = running;
    }

    /// <summary>The client's end (send stdin, read stdout).</summary>
    public SessionSocket Client { get; }

    /// <summary>The agent's end, past the header.</summary>
    public SessionSocket Agent { get; }

    public static async Task<RelayChain> OpenAsync(TcpListener listener)
    {
        var (client, relayClient) = await WebSocketPairAsync(listener).ConfigureAwait(false);
        var (agent, relayAgent) = await WebSocketPairAsync(listener).ConfigureAwait(false);
        var tickets = new SessionTickets(Options, TimeProvider.System);
        var relay = new SessionRelay(new SessionTarget(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid()), new SessionSocket(relayClient), Options, TimeProvider.System);
        var running = relay.RunAsync(tickets, new DialingPubsub(tickets, relayAgent), new Uri("http://127.0.0.1/"), static (_, _) => Task.CompletedTask, CancellationToken.None);
        var clientSocket = new SessionSocket(client);
        await clientSocket.SendJsonAsync(SessionFrameType.Header, new SessionHeader { Kind = SessionKind.Tcp, Port = 1 }, SessionJsonContext.Default.SessionHeader, CancellationToken.None).ConfigureAwait(false);
        var agentSocket = new SessionSocket(agent);
        if (await agentSocket.ReceiveAsync(CancellationToken.None).ConfigureAwait(false) is not { Type: SessionFrameType.Header })
        {
            throw new InvalidOperationException("the relay did not forward the header");
        }

        return new RelayChain(clientSocket, agentSocket, running);
    }

    /// <summary>A connected pair over loopback TCP: (client role, server role).</summary>
    public static async Task<(WebSocket Client, WebSocket Server)> WebSocketPairAsync(TcpListener listener)
    {
        var outgoing = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accepting = listener.AcceptSocketAsync();
        await outgoing.ConnectAsync((IPEndPoint)listener.LocalEndpoint).ConfigureAwait(false);
        var incoming = await accepting.ConfigureAwait(false);
        incoming.NoDelay = true;
        return (WebSocket.CreateFromStream(new NetworkStream(outgoing, ownsSocket: true), new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero }),
            WebSocket.CreateFromStream(new NetworkStream(incoming, ownsSocket: true), new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero }));
    }

    public async ValueTask DisposeAsync()
    {
        var done = SessionClose.Of(DisconnectReason.ClientClosed, DisconnectInitiator.Client, "done");
        await Task.WhenAll(
            Client.CloseAsync(done, TimeSpan.FromSeconds(2), TimeProvider.System),
            Agent.CloseAsync(done, TimeSpan.FromSeconds(2), TimeProvider.System)).ConfigureAwait(false);
        await Task.WhenAny(_running, Task.Delay(TimeSpan.FromSeconds(3))).ConfigureAwait(false);
        Client.Dispose();
        Agent.Dispose();
    }

    /// <summary>Delivers the relay's dial request by handing it the agent side at once, as an agent dialing back would.</summary>
    private sealed class DialingPubsub(SessionTickets tickets, WebSocket agentSide) : IPubsub
    {
        public Task<PubsubSubscription> SubscribeAsync(string channel, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task PublishAsync(string channel, string payload, CancellationToken cancellationToken)
        {
            var dial = (SessionDialMessage)JsonSerializer.Deserialize<AgentControlMessage>(payload, OutpostJson.Options)!;
            tickets.Redeem(dial.Ticket, dial.AgentId)!.Dialed.TrySetResult(agentSide);
            return Task.CompletedTask;
        }
    }
}

/// <summary>Counts bytes as they arrive and completes a waiter once a running total is reached.</summary>
internal sealed class ByteCounter
{
    private readonly Lock _gate = new();
    private long _received;
    private long _target;
    private TaskCompletionSource? _reached;

    public Task Expect(long bytes)
    {
        lock (_gate)
        {
            _target += bytes;
            _reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_received >= _target)
            {
                _reached.TrySetResult();
            }

            return _reached.Task;
        }
    }

    public void Add(long bytes)
    {
        lock (_gate)
        {
            _received += bytes;
            if (_received >= _target)
            {
                _reached?.TrySetResult();
            }
        }
    }
}
