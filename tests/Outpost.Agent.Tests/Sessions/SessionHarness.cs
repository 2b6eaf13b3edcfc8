using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Outpost.Agent.Scripts;
using Outpost.Agent.Sessions;
using Outpost.Sdk.Sessions;
using Outpost.Testing;

namespace Outpost.Agent.Tests.Sessions;

/// <summary>The agent's sessions served over real WebSockets on a loopback TCP pair.</summary>
internal sealed class SessionHarness : IAsyncDisposable
{
    public SessionHarness(TimeProvider? time = null, AgentSessionOptions? options = null)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("outpost-sessions-").FullName;
        Sessions = new AgentSessions(options ?? new AgentSessionOptions(), () => new ScriptContext
        {
            WorkingDirectory = Directory,
            Environment = new Dictionary<string, string?> { ["OUTPOST_TEST_VAR"] = "from-the-workspace" },
        }, time ?? TimeProvider.System, Logger);
    }

    public RecordingLogger Logger { get; } = new();

    public AgentSessions Sessions { get; }

    public string Directory { get; }

    public List<Task<SessionEnd>> Served { get; } = [];

    /// <summary>Opens a session: returns the client's socket (the header already sent).</summary>
    public async Task<TestClient> OpenAsync(SessionHeader header)
    {
        var client = await ConnectAsync();
        await client.Socket.SendJsonAsync(SessionFrameType.Header, header, SessionJsonContext.Default.SessionHeader, TestTimeouts.Token());
        return client;
    }

    public async Task<TestClient> ConnectAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var connecting = new TcpClient();
        await connecting.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port).WithTimeout();
        var accepted = await listener.AcceptTcpClientAsync().WithTimeout();
        var agentSide = WebSocket.CreateFromStream(accepted.GetStream(), new WebSocketCreationOptions { IsServer = true });
        var clientSide = WebSocket.CreateFromStream(connecting.GetStream(), new WebSocketCreationOptions { IsServer = false });
        Served.Add(Task.Run(() => Sessions.ServeAsync(agentSide, CancellationToken.None)));
        return new TestClient(new SessionSocket(clientSide), Served[^1]);
    }

    public async ValueTask DisposeAsync()
    {
        await Sessions.StopAllAsync(new SessionEnd(Sdk.Agents.DisconnectReason.ServerShutdown, Sdk.Agents.DisconnectInitiator.Agent, "test over")).WithTimeout();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}

/// <summary>The client's end of one session, reading frames and collecting output.</summary>
internal sealed class TestClient(SessionSocket socket, Task<SessionEnd> served)
{
    private readonly MemoryStream _stdout = new();
    private readonly MemoryStream _stderr = new();

    public SessionSocket Socket { get; } = socket;

    public Task<SessionEnd> Served { get; } = served;

    public SessionOpened? Opened { get; private set; }

    public SessionExit? Exit { get; private set; }

    public SessionClose? Close { get; private set; }

    public byte[] Stdout => _stdout.ToArray();

    public string StdoutText => Encoding.UTF8.GetString(Stdout);

    public string StderrText => Encoding.UTF8.GetString(_stderr.ToArray());

    public Task SendAsync(string text) => Socket.SendAsync(SessionFrameType.Stdin, Encoding.UTF8.GetBytes(text), TestTimeouts.Token());

    /// <summary>Reads frames until <paramref name="until"/> holds; false when the session ended first.</summary>
    public async Task<bool> ReadUntilAsync(Func<TestClient, bool> until)
    {
        using var timeout = new CancellationTokenSource(TestTimeouts.Default);
        while (!until(this))
        {
            SessionFrame? frame;
            try
            {
                frame = await Socket.ReceiveAsync(timeout.Token);
            }
            catch (OperationCanceledException ex)
            {
                throw new TimeoutException($"timed out; output so far: {StdoutText}", ex);
            }

            if (frame is null)
            {
                return until(this);
            }

            switch (frame.Value.Type)
            {
                case SessionFrameType.Opened:
                    Opened = SessionFrames.ReadJson(frame.Value, SessionJsonContext.Default.SessionOpened);
                    break;
                case SessionFrameType.Stdout:
                    _stdout.Write(frame.Value.Payload.Span);
                    break;
                case SessionFrameType.Stderr:
                    _stderr.Write(frame.Value.Payload.Span);
                    break;
                case SessionFrameType.Exit:
                    Exit = SessionFrames.ReadJson(frame.Value, SessionJsonContext.Default.SessionExit);
                    break;
                case SessionFrameType.Close:
                    Close = Socket.ReceivedClose;
                    try
                    {
                        await Socket.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
                    }
                    catch (WebSocketException)
                    {
                        // The agent closes its side after the Close frame and may drop the connection before our answer:
                        // the session has ended either way, and what it said is in the frame already read.
                    }

                    return until(this);
            }
        }

        return true;
    }

    public Task<bool> ReadToEndAsync() => ReadUntilAsync(static c => c.Close is not null);

    public Task<bool> ReadUntilOutputAsync(string text) => ReadUntilAsync(c => c.StdoutText.Contains(text, StringComparison.Ordinal));
}
