using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Outpost.Sdk.Sessions;

namespace Outpost.Agent.Sessions;

/// <summary>
/// Direct connections: a socket on the configured address where clients open sessions without the relay. Each
/// connection is one HTTP/1.1 WebSocket upgrade of <see cref="DirectTicket.AgentPath"/> carrying a ticket in
/// <see cref="DirectTicket.Header"/>; a ticket the server did not sign for this agent, an expired or a used one is
/// answered 403 with the reason in <see cref="RefusalHeader"/>. An accepted socket is served like a relayed session,
/// for the ticket's session kind only.
/// </summary>
internal sealed class DirectListener : IDisposable
{
    /// <summary>The response header that says why a ticket was refused.</summary>
    public const string RefusalHeader = "Outpost-Direct-Refusal";

    private const int MaxRequestBytes = 8 * 1024;
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);
    private readonly Socket _listener;

    private DirectListener(Socket listener)
    {
        _listener = listener;
        Address = ((IPEndPoint)listener.LocalEndPoint!).ToString();
    }

    /// <summary>The bound <c>IP:PORT</c> (a port 0 in the setting is the port the system chose).</summary>
    public string Address { get; }

    /// <summary>Listens on <paramref name="endpoint"/> now, so its address can be advertised before the manifest arrives.</summary>
    public static DirectListener Bind(IPEndPoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(endpoint);
            listener.Listen(64);
            return new DirectListener(listener);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    /// <summary>Accepts connections until <paramref name="stopping"/>; each is served on its own.</summary>
    public async Task RunAsync(DirectTicketVerifier verifier, AgentSessions sessions, Func<DirectSessionReport, Task> report, TimeProvider time, ILogger logger, CancellationToken stopping)
    {
        // Cancellation ends the accept, not the socket: an agent that restarts (a prebuild's reinitialisation) runs the
        // same listener again, at the address it advertised. The host disposes it when the process ends.
        while (!stopping.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await _listener.AcceptAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }

            _ = ServeAsync(connection, verifier, sessions, report, time, logger);
        }
    }

    public void Dispose() => _listener.Dispose();

    private static async Task ServeAsync(Socket connection, DirectTicketVerifier verifier, AgentSessions sessions, Func<DirectSessionReport, Task> report, TimeProvider time, ILogger logger)
    {
        await Task.Yield();
        connection.NoDelay = true;
        using (connection)
        {
            await using var stream = new NetworkStream(connection, ownsSocket: false);
            var (key, ticket, problem, parent) = await ReadUpgradeAsync(stream, verifier).ConfigureAwait(false);
            if (ticket is null)
            {
                AgentSessionLog.DirectRefused(logger, connection.RemoteEndPoint?.ToString() ?? "?", problem!);
                await WriteAsync(stream, $"HTTP/1.1 403 Forbidden\r\n{RefusalHeader}: {problem}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").ConfigureAwait(false);
                return;
            }

            var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
            await WriteAsync(stream, $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n").ConfigureAwait(false);
            var started = time.GetUtcNow();

            // The session continues the trace of the client that opened it (issue 24), as a relayed one does.
            using var activity = AgentDiagnostics.ActivitySource.StartActivity("session", ActivityKind.Server, parent);
            using var socket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.FromSeconds(10) });
            var (end, header, bytesIn, bytesOut) = await sessions.ServeSessionAsync(socket, CancellationToken.None, ticket.Kind).ConfigureAwait(false);
            await report(new DirectSessionReport
            {
                Id = ticket.Id,
                Kind = ticket.Kind,
                ConnectionType = header?.LogType(),
                UserId = ticket.UserId,
                ClientAddress = (connection.RemoteEndPoint as IPEndPoint)?.Address.ToString() ?? "unknown",
                StartedAt = started,
                EndedAt = time.GetUtcNow(),
                BytesToAgent = bytesIn,
                BytesToClient = bytesOut,
                DisconnectReason = end.Reason.LogValue,
                DisconnectInitiator = end.Initiator.LogValue,
                DisconnectDetail = end.Detail,
                TraceId = parent == default ? null : parent.TraceId.ToHexString(),
            }).ConfigureAwait(false);
        }
    }

    private static async Task<(string? Key, DirectTicket? Ticket, string? Problem, ActivityContext Parent)> ReadUpgradeAsync(NetworkStream stream, DirectTicketVerifier verifier)
    {
        var buffer = new byte[MaxRequestBytes];
        var count = 0;
        using var timeout = new CancellationTokenSource(HandshakeTimeout);
        try
        {
            while (count < buffer.Length)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(count), timeout.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    return (null, null, "the connection closed before the request ended", default);
                }

                count += read;
                if (buffer.AsSpan(0, count).IndexOf("\r\n\r\n"u8) >= 0)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            return (null, null, "no complete request in time", default);
        }

        var lines = Encoding.ASCII.GetString(buffer, 0, count).Split("\r\n");
        if (!lines[0].StartsWith($"GET {DirectTicket.AgentPath} HTTP/1.1", StringComparison.Ordinal))
        {
            return (null, null, "not a direct-session upgrade request", default);
        }

        var headers = lines.Skip(1).TakeWhile(l => l.Length > 0).Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
            .GroupBy(p => p[0].Trim(), StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First()[1].Trim(), StringComparer.OrdinalIgnoreCase);
        if (!headers.TryGetValue("Sec-WebSocket-Key", out var key) || key.Length == 0)
        {
            return (null, null, "not a WebSocket upgrade", default);
        }

        var (ticket, problem) = verifier.Accept(headers.GetValueOrDefault(DirectTicket.Header));
        if (ticket is null)
        {
            return (null, null, $"ticket refused: {problem}", default);
        }

        // A malformed traceparent is ignored, as W3C trace context says: the session starts its own trace.
        var parent = ActivityContext.TryParse(headers.GetValueOrDefault("traceparent"), null, isRemote: true, out var parsed) ? parsed : default;
        return (key, ticket, null, parent);
    }

    private static async Task WriteAsync(NetworkStream stream, string text)
    {
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(text)).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The client went away.
        }
    }
}
