namespace Outpost.Telemetry.Workspaces;

/// <summary>How a client's connection to a workspace ended, as <c>workspace.connection.closed</c> records it.</summary>
public sealed record ConnectionClosed(
    string WorkspaceName, string AgentName, string ConnectionType, string Kind,
    string DisconnectReason, bool DisconnectExpected, string DisconnectInitiator, string DisconnectDetail,
    TimeSpan Duration, long BytesSent, long BytesReceived, int? ExitCode, string Path = ConnectionTelemetry.RelayPath);

/// <summary>
/// <c>workspace.connection.opened</c> (a span whose phases are resolving the workspace, waiting for the agent, dialing
/// and the session handshake) and <c>workspace.connection.closed</c> (the seed-001 fields, duration, bytes). Neither
/// carries command text or data: a graceful end's detail (<c>exit N</c>, or a program that could not start) is left
/// out, since the exit code says it and a program name is command text.
/// </summary>
public static class ConnectionTelemetry
{
    public const string Opened = "workspace.connection.opened";
    public const string Closed = "workspace.connection.closed";

    public const string ResolveWorkspacePhase = "resolve_workspace";
    public const string WaitForAgentPhase = "wait_for_agent";
    public const string DialPhase = "dial";
    public const string HandshakePhase = "handshake";

    public const string ConnectionType = "connectionType";
    public const string Kind = "kind";
    public const string Path = "path";
    public const string Reconnect = "reconnect";
    public const string Failure = "failure";
    public const string DisconnectReason = "disconnectReason";
    public const string DisconnectExpected = "disconnectExpected";
    public const string DisconnectInitiator = "disconnectInitiator";
    public const string DisconnectDetail = "disconnectDetail";
    public const string ExitCode = "exitCode";
    public const string BytesSent = "bytesSent";
    public const string BytesReceived = "bytesReceived";

    /// <summary>The path of a connection carried by the server's relay.</summary>
    public const string RelayPath = "relay";

    /// <summary>The path of a connection straight to the agent's direct address.</summary>
    public const string DirectPath = "direct";

    /// <summary>Runs <paramref name="body"/> inside the opened span; the body adds the phases and marks a failure.</summary>
    public static Task<T> TraceOpenedAsync<T>(
        ITelemetryReporter telemetry, string connectionType, string kind, bool reconnect, Func<ITelemetrySpan, CancellationToken, Task<T>> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(telemetry);
        return telemetry.TraceAsync(Opened, body, new TelemetryProperties
        {
            { ConnectionType, connectionType },
            { Kind, kind },
            { Path, RelayPath },
            { Reconnect, reconnect ? "true" : "false" },
        }, cancellationToken: cancellationToken);
    }

    public static void RecordClosed(ITelemetryReporter telemetry, ConnectionClosed closed)
    {
        ArgumentNullException.ThrowIfNull(telemetry);
        ArgumentNullException.ThrowIfNull(closed);
        var properties = new TelemetryProperties
        {
            { WorkspaceTelemetryNames.WorkspaceName, closed.WorkspaceName },
            { WorkspaceTelemetryNames.AgentName, closed.AgentName },
            { ConnectionType, closed.ConnectionType },
            { Kind, closed.Kind },
            { Path, closed.Path },
            { DisconnectReason, closed.DisconnectReason },
            { DisconnectExpected, closed.DisconnectExpected ? "true" : "false" },
            { DisconnectInitiator, closed.DisconnectInitiator },
        };
        if (closed.DisconnectReason != "graceful" && closed.DisconnectDetail.Length > 0)
        {
            properties.Add(DisconnectDetail, closed.DisconnectDetail);
        }

        if (closed.ExitCode is { } code)
        {
            properties.Add(ExitCode, code.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        telemetry.Log(Closed, properties, new TelemetryMeasurements
        {
            { TelemetryEvent.DurationMeasurement, closed.Duration.TotalMilliseconds },
            { BytesSent, closed.BytesSent },
            { BytesReceived, closed.BytesReceived },
        });
    }
}
