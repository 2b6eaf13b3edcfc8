using System.Collections.Concurrent;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using Outpost.Agent.Scripts;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Sessions;

namespace Outpost.Agent.Sessions;

/// <summary>
/// The agent's data plane: serves one session per WebSocket (the relay's dial-back), keeps the reconnecting
/// terminals, enforces the limits, and logs every end with the seed-001 fields. <see cref="StopAllAsync"/>
/// ends everything with one reason (the agent shutting down, the workspace stopped).
/// </summary>
internal sealed class AgentSessions
{
    private readonly SessionHost _host;
    private readonly ConcurrentDictionary<Guid, Terminal> _terminals = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _terminalsLock = new();
    private SessionEnd? _stopEnd;
    private int _open;

    public AgentSessions(AgentSessionOptions options, Func<ScriptContext> context, TimeProvider time, ILogger logger)
    {
        _host = new SessionHost(options, context, time, logger);
    }

    /// <summary>Sessions being served now.</summary>
    public int OpenSessions => Volatile.Read(ref _open);

    /// <summary>Terminals alive, attached or not.</summary>
    public int Terminals => _terminals.Count;

    /// <summary>
    /// Serves one session on <paramref name="webSocket"/> from its header to its end; never throws for a client's fault.
    /// A direct connection passes its ticket's <paramref name="onlyKind"/>: a header of another kind is refused.
    /// </summary>
    public async Task<SessionEnd> ServeAsync(WebSocket webSocket, CancellationToken cancellationToken, SessionKind? onlyKind = null) =>
        (await ServeSessionAsync(webSocket, cancellationToken, onlyKind).ConfigureAwait(false)).End;

    /// <summary><see cref="ServeAsync"/>, with the header (null when refused) and what passed, for a direct session's report.</summary>
    public async Task<(SessionEnd End, SessionHeader? Header, long BytesIn, long BytesOut)> ServeSessionAsync(WebSocket webSocket, CancellationToken cancellationToken, SessionKind? onlyKind)
    {
        ArgumentNullException.ThrowIfNull(webSocket);
        SessionHeader? served = null;
        using var socket = new SessionSocket(webSocket);
        var sessionId = Guid.NewGuid();
        var started = _host.Time.GetTimestamp();
        var counters = new SessionCounters();
        var kind = "unknown";
        var open = Interlocked.Increment(ref _open);
        SessionEnd end;
        try
        {
            var (header, refusal) = await ReadHeaderAsync(socket, cancellationToken).ConfigureAwait(false);
            if (header is { } asked && onlyKind is { } allowed && asked.Kind != allowed)
            {
                (header, refusal) = (null, new SessionEnd(DisconnectReason.ProtocolError, DisconnectInitiator.Client,
                    $"kind: the ticket is for a {WireEnum(allowed)} session, not {WireEnum(asked.Kind)}"));
            }

            if (header is null)
            {
                end = refusal!;
                AgentSessionLog.Refused(_host.Logger, end.Detail);
                await socket.CloseAsync(end.ToClose(), _host.Options.CloseTimeout, _host.Time).ConfigureAwait(false);
            }
            else
            {
                kind = WireEnum(header.Kind);
                served = header;
                AgentSessionLog.Opened(_host.Logger, sessionId, kind, open, ConnectionDirection.AgentToClient.Value);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
                end = await RunAsync(socket, header, counters, linked.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (SessionEnd.IsTransportFailure(ex))
        {
            end = _stopEnd ?? SessionEnd.FromFailure(ex);
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }

        AgentSessionLog.Ended(_host.Logger, end.Reason.Expected() ? LogLevel.Information : LogLevel.Warning, sessionId, kind,
            _host.Time.GetElapsedTime(started).TotalSeconds, counters.In, counters.Out,
            ConnectionDirection.AgentToClient.Value, end.Reason.LogValue, end.Reason.Expected(), end.Initiator.LogValue, end.Detail);
        return (end, served, counters.In, counters.Out);
    }

    /// <summary>Ends every session and closes every terminal with <paramref name="end"/>; the first reason given wins.</summary>
    public async Task StopAllAsync(SessionEnd end)
    {
        Interlocked.CompareExchange(ref _stopEnd, end, null);
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_terminals.Values.Select(t => t.CloseAsync(_stopEnd!))).ConfigureAwait(false);
    }

    private SessionEnd StopEnd() => Volatile.Read(ref _stopEnd) ?? new SessionEnd(DisconnectReason.ServerShutdown, DisconnectInitiator.Agent, "the agent is shutting down");

    private async Task<SessionEnd> RunAsync(SessionSocket socket, SessionHeader header, SessionCounters counters, CancellationToken stopping)
    {
        switch (header.Kind)
        {
            case SessionKind.Exec:
                return await new ExecSession(_host, socket, header, counters).RunAsync(StopEnd, stopping).ConfigureAwait(false);
            case SessionKind.Ping:
                return await PingSession.RunAsync(_host, socket, counters, StopEnd, stopping).ConfigureAwait(false);
            case SessionKind.Tcp or SessionKind.Ssh:
                return await new TcpSession(_host, socket, header, counters).RunAsync(StopEnd, stopping).ConfigureAwait(false);
            default:
                var (terminal, reconnected, problem) = TerminalFor(header);
                if (terminal is null)
                {
                    await socket.CloseAsync(problem!.ToClose(), _host.Options.CloseTimeout, _host.Time).ConfigureAwait(false);
                    return problem;
                }

                if (reconnected)
                {
                    terminal.Resize(header.Rows, header.Cols);
                }

                return await terminal.AttachAsync(socket, reconnected, counters, stopping).ConfigureAwait(false);
        }
    }

    private (Terminal? Terminal, bool Reconnected, SessionEnd? Problem) TerminalFor(SessionHeader header)
    {
        var id = header.ReconnectId ?? Guid.NewGuid();
        lock (_terminalsLock)
        {
            if (_terminals.TryGetValue(id, out var existing))
            {
                return (existing, true, null);
            }

            if (_stopping.IsCancellationRequested)
            {
                return (null, false, StopEnd());
            }

            if (_terminals.Count >= _host.Options.MaxSessions)
            {
                return (null, false, new SessionEnd(DisconnectReason.Graceful, DisconnectInitiator.Agent,
                    $"refused: the agent already keeps {_terminals.Count} terminals (the limit)"));
            }

            Terminal terminal;
            try
            {
                terminal = Terminal.Start(_host, id, header, t => _terminals.TryRemove(new KeyValuePair<Guid, Terminal>(t.Id, t)));
            }
            catch (IOException ex)
            {
                return (null, false, new SessionEnd(DisconnectReason.Graceful, DisconnectInitiator.Agent, $"could not start the terminal: {ex.Message}"));
            }

            _terminals[id] = terminal;
            return (terminal, false, null);
        }
    }

    private async Task<(SessionHeader? Header, SessionEnd? Refusal)> ReadHeaderAsync(SessionSocket socket, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _open) > _host.Options.MaxSessions)
        {
            return (null, new SessionEnd(DisconnectReason.Graceful, DisconnectInitiator.Agent, $"refused: the agent already serves {_host.Options.MaxSessions} sessions (the limit)"));
        }

        if (_stopping.IsCancellationRequested)
        {
            return (null, StopEnd());
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_host.Options.HeaderTimeout);
        SessionFrame? frame;
        try
        {
            frame = await socket.ReceiveAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (SessionProtocolException ex)
        {
            return (null, new SessionEnd(DisconnectReason.ProtocolError, DisconnectInitiator.Client, ex.Message));
        }

        if (frame is null)
        {
            return (null, SessionEnd.FromClient(null));
        }

        if (frame.Value.Type != SessionFrameType.Header)
        {
            return (null, new SessionEnd(DisconnectReason.ProtocolError, DisconnectInitiator.Client, $"the first frame was {frame.Value.Type}, not a header"));
        }

        try
        {
            var header = SessionFrames.ReadJson(frame.Value, SessionJsonContext.Default.SessionHeader);
            return header.Validate() is { } problem
                ? (null, new SessionEnd(DisconnectReason.ProtocolError, DisconnectInitiator.Client, problem))
                : (header, null);
        }
        catch (SessionProtocolException ex)
        {
            return (null, new SessionEnd(DisconnectReason.ProtocolError, DisconnectInitiator.Client, ex.Message));
        }
    }

    private static string WireEnum(SessionKind kind) => kind.ToString().ToLowerInvariant();
}
