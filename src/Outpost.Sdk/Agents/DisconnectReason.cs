namespace Outpost.Sdk.Agents;

/// <summary>
/// Why a workspace connection ended (seed 001). Logged as <c>disconnect_reason</c> at every place a
/// connection ends, beside <c>disconnect_expected</c>. The set stays small on purpose: use
/// <see cref="Unknown"/> when nothing else applies, and treat a disconnect logged with it as a bug.
/// </summary>
public readonly record struct DisconnectReason
{
    private readonly string? _value;

    /// <summary>Wraps a value as logged or received; unrecognized values are kept (and are not valid).</summary>
    public DisconnectReason(string? value)
    {
        _value = value;
    }

    /// <summary>Compares by <see cref="Value"/>, so <c>default</c> equals the empty value.</summary>
    public bool Equals(DisconnectReason other) => string.Equals(Value, other.Value, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    /// <summary>The zero value: the path could not tell why. A bug to investigate, not an outcome.</summary>
    public static DisconnectReason Unknown { get; } = new(string.Empty);

    /// <summary>Ended cleanly: a disconnect was acknowledged, a session exited 0, a PTY closed without error.</summary>
    public static DisconnectReason Graceful { get; } = new("graceful");

    /// <summary>The client closed the connection without an error.</summary>
    public static DisconnectReason ClientClosed { get; } = new("client_closed");

    /// <summary>The agent or the server is shutting down and closed a healthy connection.</summary>
    public static DisconnectReason ServerShutdown { get; } = new("server_shutdown");

    /// <summary>The transport failed: EOF, a read or write error, a timeout.</summary>
    public static DisconnectReason NetworkError { get; } = new("network_error");

    /// <summary>The peer violated the protocol: bytes flowed but made no sense.</summary>
    public static DisconnectReason ProtocolError { get; } = new("protocol_error");

    /// <summary>The workspace was stopped or deleted while connected.</summary>
    public static DisconnectReason WorkspaceStopped { get; } = new("workspace_stopped");

    /// <summary>The control-plane connection to the server was lost (the data plane may still be up).</summary>
    public static DisconnectReason ControlPlaneLost { get; } = new("control_plane_lost");

    /// <summary>The string value, never null (also for <c>default</c>).</summary>
    public string Value => _value ?? string.Empty;

    /// <summary>The value as logged: <c>unknown</c> for the empty zero value.</summary>
    public string LogValue => Value.Length == 0 ? "unknown" : Value;

    /// <summary>True for the eight defined values, including the empty <see cref="Unknown"/>.</summary>
    public bool Valid() => Value is "" or "graceful" or "client_closed" or "server_shutdown" or "network_error"
        or "protocol_error" or "workspace_stopped" or "control_plane_lost";

    /// <summary>True when the disconnect is normal operation; false when it deserves a look (and for any unrecognized value).</summary>
    public bool Expected() => Value is "graceful" or "client_closed" or "server_shutdown" or "workspace_stopped";

    /// <inheritdoc/>
    public override string ToString() => LogValue;
}

/// <summary>Who started a disconnect (control-plane sites); logged as <c>disconnect_initiator</c>.</summary>
public readonly record struct DisconnectInitiator
{
    private readonly string? _value;

    /// <summary>Wraps a value as logged or received; unrecognized values are kept (and are not valid).</summary>
    public DisconnectInitiator(string? value)
    {
        _value = value;
    }

    /// <summary>Compares by <see cref="Value"/>, so <c>default</c> equals the empty value.</summary>
    public bool Equals(DisconnectInitiator other) => string.Equals(Value, other.Value, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    /// <summary>Not known.</summary>
    public static DisconnectInitiator Unknown { get; } = new(string.Empty);

    /// <summary>The client.</summary>
    public static DisconnectInitiator Client { get; } = new("client");

    /// <summary>The workspace agent.</summary>
    public static DisconnectInitiator Agent { get; } = new("agent");

    /// <summary>The server (control plane).</summary>
    public static DisconnectInitiator Server { get; } = new("server");

    /// <summary>Nobody: the network failed.</summary>
    public static DisconnectInitiator Network { get; } = new("network");

    /// <summary>The string value, never null (also for <c>default</c>).</summary>
    public string Value => _value ?? string.Empty;

    /// <summary>The value as logged: <c>unknown</c> for the empty zero value.</summary>
    public string LogValue => Value.Length == 0 ? "unknown" : Value;

    /// <summary>True only for the five defined values.</summary>
    public bool Valid() => Value is "" or "client" or "agent" or "server" or "network";

    /// <inheritdoc/>
    public override string ToString() => LogValue;
}

/// <summary>Which layer a connection belongs to; logged as <c>connect_type</c>.</summary>
public readonly record struct ConnectionDirection
{
    private readonly string? _value;

    /// <summary>Wraps a value as logged or received; unrecognized values are kept (and are not valid).</summary>
    public ConnectionDirection(string? value)
    {
        _value = value;
    }

    /// <summary>Compares by <see cref="Value"/>, so <c>default</c> equals the empty value.</summary>
    public bool Equals(ConnectionDirection other) => string.Equals(Value, other.Value, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    /// <summary>Control plane: the agent's connection to the server.</summary>
    public static ConnectionDirection ServerToAgent { get; } = new("server_to_agent");

    /// <summary>Data plane: a client's session with the agent (exec, terminal, port forward).</summary>
    public static ConnectionDirection AgentToClient { get; } = new("agent_to_client");

    /// <summary>A client's connection to the server (defined, not yet instrumented).</summary>
    public static ConnectionDirection ClientToServer { get; } = new("client_to_server");

    /// <summary>The string value, never null (also for <c>default</c>).</summary>
    public string Value => _value ?? string.Empty;

    /// <summary>True only for the three defined values.</summary>
    public bool Valid() => Value is "server_to_agent" or "agent_to_client" or "client_to_server";

    /// <inheritdoc/>
    public override string ToString() => Value;
}

/// <summary>How a session's bytes travel; for observability only, never to branch on. Logged as <c>connection_method</c>.</summary>
public readonly record struct ConnectionMethod
{
    private readonly string? _value;

    /// <summary>Wraps a value as logged or received; unrecognized values are kept (and are not valid).</summary>
    public ConnectionMethod(string? value)
    {
        _value = value;
    }

    /// <summary>Compares by <see cref="Value"/>, so <c>default</c> equals the empty value.</summary>
    public bool Equals(ConnectionMethod other) => string.Equals(Value, other.Value, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    /// <summary>Not known.</summary>
    public static ConnectionMethod Unknown { get; } = new(string.Empty);

    /// <summary>Straight to the agent.</summary>
    public static ConnectionMethod Direct { get; } = new("direct");

    /// <summary>Through a relay (the server's session relay plays DERP's part).</summary>
    public static ConnectionMethod Derp { get; } = new("derp");

    /// <summary>The string value, never null (also for <c>default</c>).</summary>
    public string Value => _value ?? string.Empty;

    /// <summary>True only for the three defined values.</summary>
    public bool Valid() => Value is "" or "direct" or "derp";

    /// <inheritdoc/>
    public override string ToString() => Value.Length == 0 ? "unknown" : Value;
}

/// <summary>The classification rule for the end of the agent's control-plane connection loop (coder-spec §5).</summary>
public static class DisconnectClassifier
{
    /// <summary>
    /// Local shutdown wins whatever the error (<c>server_shutdown</c>/<c>agent</c>); otherwise a clean
    /// end by the server is <c>graceful</c>/<c>server</c>; otherwise the stream broke:
    /// <c>network_error</c>/<c>network</c>.
    /// </summary>
    public static (DisconnectReason Reason, DisconnectInitiator Initiator) ClassifyControlPlaneExit(bool localShutdown, Exception? error)
    {
        if (localShutdown)
        {
            return (DisconnectReason.ServerShutdown, DisconnectInitiator.Agent);
        }

        return error is null
            ? (DisconnectReason.Graceful, DisconnectInitiator.Server)
            : (DisconnectReason.NetworkError, DisconnectInitiator.Network);
    }
}
