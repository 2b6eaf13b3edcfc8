using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using Outpost.Sdk;
using Outpost.Sdk.Connections;
using Outpost.Sdk.Sessions;
using Outpost.Server.Tests.Identity;
using Outpost.Testing;

namespace Outpost.Server.Tests.Sessions;

/// <summary>A test's side of the relay over real WebSockets: a client's session, an agent's dial-back.</summary>
internal static class RelayClient
{
    public static Task<(SessionSocket? Socket, HttpStatusCode Status)> ConnectAsync(Uri server, Guid agentId, string token, string? traceParent = null) =>
        OpenAsync(server, SessionApi.ClientPathFor(agentId), ws =>
        {
            ws.Options.SetRequestHeader("Authorization", "Bearer " + token);
            if (traceParent is not null)
            {
                ws.Options.SetRequestHeader("traceparent", traceParent);
            }
        });

    public static Task<(SessionSocket? Socket, HttpStatusCode Status)> DialAsync(Uri server, string agentToken, string ticket) =>
        OpenAsync(server, SessionApi.AgentDialPath, ws =>
        {
            ws.Options.SetRequestHeader("Authorization", "Bearer " + agentToken);
            ws.Options.SetRequestHeader(SessionApi.TicketHeader, ticket);
        });

    /// <summary>One whole session: the header, then <paramref name="sends"/>, then every frame until the close.</summary>
    public static async Task<(List<(SessionFrameType Type, byte[] Payload)> Frames, SessionClose Close)> RunAsync(Uri server, Guid agentId, string token, SessionHeader header, params byte[][] sends)
    {
        var (socket, status) = await ConnectAsync(server, agentId, token);
        Assert.True(socket is not null, $"refused with {status}");
        using (socket)
        {
            await socket.SendJsonAsync(SessionFrameType.Header, header, SessionJsonContext.Default.SessionHeader, CancellationToken.None);
            foreach (var frame in sends)
            {
                await socket.SendAsync(frame, CancellationToken.None);
            }

            return await ReadAllAsync(socket).WithTimeout();
        }
    }

    /// <summary>Every frame until the close frame, which is answered.</summary>
    public static async Task<(List<(SessionFrameType Type, byte[] Payload)> Frames, SessionClose Close)> ReadAllAsync(SessionSocket socket)
    {
        var frames = new List<(SessionFrameType, byte[])>();
        while (await socket.ReceiveAsync(CancellationToken.None) is { } frame)
        {
            frames.Add((frame.Type, frame.Payload.ToArray()));
            if (frame.Type == SessionFrameType.Close)
            {
                await socket.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                return (frames, socket.ReceivedClose!);
            }
        }

        throw new InvalidOperationException("the session ended without a close frame");
    }

    /// <summary>A page of <c>GET /api/v2/connections</c>.</summary>
    public static async Task<ConnectionLogPage> ListAsync(HttpClient client, string token, string query)
    {
        using var response = await IdentityApi.SendAsync(client, HttpMethod.Get, $"/api/v2/connections?{query}", token);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<ConnectionLogPage>(OutpostJson.Options))!;
    }

    public static string Stdout(List<(SessionFrameType Type, byte[] Payload)> frames) =>
        string.Concat(frames.Where(f => f.Type == SessionFrameType.Stdout).Select(f => Encoding.UTF8.GetString(f.Payload)));

    private static async Task<(SessionSocket? Socket, HttpStatusCode Status)> OpenAsync(Uri server, string path, Action<ClientWebSocket> configure)
    {
        var ws = new ClientWebSocket();
        ws.Options.CollectHttpResponseDetails = true;
        configure(ws);
        var url = new UriBuilder(new Uri(server, path)) { Scheme = "ws" }.Uri;
        try
        {
            await ws.ConnectAsync(url, CancellationToken.None).WithTimeout();
            return (new SessionSocket(ws), ws.HttpStatusCode);
        }
        catch (WebSocketException)
        {
            var status = ws.HttpStatusCode;
            ws.Dispose();
            return (null, status);
        }
    }
}
