using System.Threading.Channels;
using Outpost.Agent.Transport;
using Outpost.Sdk.Agents;
using Outpost.Testing;

namespace Outpost.Agent.Tests;

/// <summary>The agent API in memory: the test plays the server, connection by connection.</summary>
internal sealed class FakeAgentTransport : IAgentTransport
{
    private readonly Channel<FakeConnection> _connections = Channel.CreateUnbounded<FakeConnection>();
    private readonly Lock _gate = new();
    private readonly List<AgentLogLine> _logs = [];
    private int _connectAttempts;
    private int _manifestCalls;

    /// <summary>Decides each connect attempt (1-based): a failure, or null to accept.</summary>
    public Func<int, AgentApiFailure?> ConnectOutcome { get; set; } = static _ => null;

    public Func<int, AgentApiResult<AgentManifest>> ManifestOutcome { get; set; } = static _ => AgentApiResult<AgentManifest>.Ok(TestManifests.Create());

    /// <summary>Awaited before each logs request is accepted; tests hold it to simulate a slow server.</summary>
    public Func<IReadOnlyList<AgentLogLine>, Task<AgentApiFailure?>> LogsOutcome { get; set; } = static _ => Task.FromResult<AgentApiFailure?>(null);

    public int ConnectAttempts => Volatile.Read(ref _connectAttempts);

    public int ManifestCalls => Volatile.Read(ref _manifestCalls);

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

    public Task<FakeConnection> NextConnectionAsync() => _connections.Reader.ReadAsync().AsTask().WithTimeout();

    public Task<AgentApiResult<AgentManifest>> GetManifestAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(ManifestOutcome(Interlocked.Increment(ref _manifestCalls)));
    }

    public async Task<AgentApiFailure?> SendLogsAsync(IReadOnlyList<AgentLogLine> lines, CancellationToken cancellationToken)
    {
        var failure = await LogsOutcome(lines).WaitAsync(cancellationToken);
        if (failure is null)
        {
            lock (_gate)
            {
                _logs.AddRange(lines);
            }
        }

        return failure;
    }

    public Task<AgentApiResult<IControlPlaneConnection>> ConnectAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var attempt = Interlocked.Increment(ref _connectAttempts);
        if (ConnectOutcome(attempt) is { } failure)
        {
            return Task.FromResult(AgentApiResult<IControlPlaneConnection>.Fail(failure));
        }

        var connection = new FakeConnection();
        _connections.Writer.TryWrite(connection);
        return Task.FromResult(AgentApiResult<IControlPlaneConnection>.Ok(connection));
    }
}

/// <summary>One accepted control-plane connection, seen from the server's side.</summary>
internal sealed class FakeConnection : IControlPlaneConnection
{
    private readonly Channel<AgentControlMessage> _sent = Channel.CreateUnbounded<AgentControlMessage>();
    private readonly Channel<Func<ControlPlaneFrame>> _inbound = Channel.CreateUnbounded<Func<ControlPlaneFrame>>();
    private readonly TaskCompletionSource<string> _closedByAgent = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _broken;

    /// <summary>When false, the server never answers the agent's close (a hung peer).</summary>
    public bool AnswersClose { get; set; } = true;

    public bool Disposed { get; private set; }

    public Task<string> ClosedByAgent => _closedByAgent.Task.WithTimeout();

    public async Task<T> NextSentAsync<T>()
        where T : AgentControlMessage
    {
        while (true)
        {
            var message = await _sent.Reader.ReadAsync().AsTask().WithTimeout();
            if (message is T wanted)
            {
                return wanted;
            }
        }
    }

    public IReadOnlyList<AgentControlMessage> DrainSent()
    {
        List<AgentControlMessage> messages = [];
        while (_sent.Reader.TryRead(out var message))
        {
            messages.Add(message);
        }

        return messages;
    }

    public void ServerSends(AgentControlMessage message) => _inbound.Writer.TryWrite(() => ControlPlaneFrame.Of(message));

    public void ServerSendsGarbage(string error) => _inbound.Writer.TryWrite(() => ControlPlaneFrame.Invalid(error));

    public void ServerCloses(int status, string? description) => _inbound.Writer.TryWrite(() => ControlPlaneFrame.Closed(status, description));

    /// <summary>The stream breaks: the pending receive and every later send fail.</summary>
    public void Break(string message = "read: connection reset by peer")
    {
        _broken = true;
        _inbound.Writer.TryWrite(() => throw new IOException(message));
    }

    public Task SendAsync(AgentControlMessage message, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_broken || Disposed)
        {
            throw new IOException("write: broken pipe");
        }

        _sent.Writer.TryWrite(message);
        return Task.CompletedTask;
    }

    public async Task<ControlPlaneFrame> ReceiveAsync(CancellationToken cancellationToken)
    {
        try
        {
            var next = await _inbound.Reader.ReadAsync(cancellationToken);
            return next();
        }
        catch (ChannelClosedException)
        {
            throw new IOException("the connection was disposed");
        }
    }

    public Task CloseAsync(string description, CancellationToken cancellationToken)
    {
        _closedByAgent.TrySetResult(description);
        if (AnswersClose)
        {
            ServerCloses(1000, description);
            return Task.CompletedTask;
        }

        return Task.Delay(Timeout.Infinite, cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        _inbound.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }
}
