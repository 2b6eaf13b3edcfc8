using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Agent;

/// <summary>
/// The agent API of <see cref="AgentApi"/> played by the test on a fixed local port, so a real
/// <c>outpost agent</c> can be stopped, restarted and watched. It can be stopped (closing every
/// control plane with 1001 <c>server_shutdown</c>, like a graceful server) and started again on the same port.
/// </summary>
internal sealed class FakeAgentApiServer : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly List<AgentControlMessage> _received = [];
    private readonly List<AgentLogLine> _logs = [];
    private readonly List<(Func<AgentControlMessage, bool> Match, TaskCompletionSource<AgentControlMessage> Seen)> _waiters = [];
    private readonly List<WebSocket> _sockets = [];
    private WebApplication? _app;
    private int _connections;

    public FakeAgentApiServer(AgentManifest manifest, string token)
    {
        Manifest = manifest;
        Token = token;
        Port = FreePort();
    }

    public AgentManifest Manifest { get; }

    public string Token { get; }

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}");

    public int Connections => Volatile.Read(ref _connections);

    public IReadOnlyList<AgentLogLine> Logs
    {
        get
        {
            lock (_gate)
            {
                return [.. _logs];
            }
        }
    }

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, Port));
        var app = builder.Build();
        app.UseWebSockets();
        var api = app.MapGroup(AgentApi.Prefix);
        api.MapGet("manifest", (HttpContext http) => Authorized(http) ? Results.Json(Manifest, OutpostJson.Options) : Results.Problem("agent token not found", statusCode: 401));
        api.MapPost("logs", async (HttpContext http) =>
        {
            if (!Authorized(http))
            {
                return Results.Problem("agent token not found", statusCode: 401);
            }

            var request = await JsonSerializer.DeserializeAsync<AgentLogsRequest>(http.Request.Body, OutpostJson.Options);
            lock (_gate)
            {
                _logs.AddRange(request!.Logs);
            }

            return Results.NoContent();
        });
        api.Map("rpc", RpcAsync);
        await app.StartAsync().WithTimeout();
        _app = app;
    }

    /// <summary>A graceful stop closes every control plane with 1001 <c>server_shutdown</c> first; a crash just drops them.</summary>
    public async Task StopAsync(bool graceful = true)
    {
        WebSocket[] sockets;
        lock (_gate)
        {
            sockets = [.. _sockets];
        }

        foreach (var socket in sockets)
        {
            if (!graceful)
            {
                socket.Abort();
                continue;
            }

            try
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, AgentApi.ServerShutdownCloseReason, CancellationToken.None).WithTimeout();
            }
            catch (WebSocketException)
            {
                // Already gone.
            }
        }

        if (_app is not null)
        {
            await _app.StopAsync().WithTimeout();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    public async Task SendAsync(AgentControlMessage message)
    {
        WebSocket socket;
        lock (_gate)
        {
            socket = _sockets[^1];
        }

        await socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message, OutpostJson.Options), WebSocketMessageType.Text, true, CancellationToken.None).WithTimeout();
    }

    public Task<AgentControlMessage> WaitForAsync(Func<AgentControlMessage, bool> match, TimeSpan? timeout = null)
    {
        lock (_gate)
        {
            if (_received.FirstOrDefault(match) is { } existing)
            {
                return Task.FromResult(existing);
            }

            var seen = new TaskCompletionSource<AgentControlMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, seen));
            return seen.Task.WithTimeout(timeout);
        }
    }

    public Task WaitForStateAsync(AgentLifecycleState state) => WaitForAsync(m => m is LifecycleMessage l && l.State == state);

    public IReadOnlyList<AgentLifecycleState> States()
    {
        lock (_gate)
        {
            return [.. _received.OfType<LifecycleMessage>().Select(m => m.State)];
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private bool Authorized(HttpContext http) => http.Request.Headers.Authorization.ToString() == "Bearer " + Token;

    private async Task RpcAsync(HttpContext http)
    {
        if (!Authorized(http))
        {
            http.Response.StatusCode = 401;
            return;
        }

        using var socket = await http.WebSockets.AcceptWebSocketAsync();
        Interlocked.Increment(ref _connections);
        lock (_gate)
        {
            _sockets.Add(socket);
        }

        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, http.RequestAborted);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (socket.State == WebSocketState.CloseReceived)
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    }

                    return;
                }

                Record(JsonSerializer.Deserialize<AgentControlMessage>(buffer.AsSpan(0, result.Count), OutpostJson.Options)!);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // The agent went away or the server is stopping.
        }
        finally
        {
            lock (_gate)
            {
                _sockets.Remove(socket);
            }
        }
    }

    private void Record(AgentControlMessage message)
    {
        List<TaskCompletionSource<AgentControlMessage>> matched = [];
        lock (_gate)
        {
            _received.Add(message);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(message))
                {
                    matched.Add(_waiters[i].Seen);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var waiter in matched)
        {
            waiter.TrySetResult(message);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
