using System.Text.Json.Serialization;
using Outpost.Sdk.Provisioning;

namespace Outpost.Sdk.Agents;

/// <summary>
/// The workspace agent API, under <see cref="Prefix"/>, authenticated with the agent's token as
/// <c>Authorization: Bearer &lt;token&gt;</c>:
/// <list type="bullet">
/// <item><c>GET manifest</c> → <see cref="AgentManifest"/>.</item>
/// <item><c>POST logs</c> (<see cref="AgentLogsRequest"/>) → 204: script output, in order, at most 1,000 lines a request.</item>
/// <item><c>GET rpc</c>, a WebSocket: the control plane. Text frames carry one <see cref="AgentControlMessage"/>
/// each as JSON. The agent sends heartbeats every <see cref="AgentManifest.HeartbeatIntervalSeconds"/>,
/// lifecycle changes (with the time they happened) and stats; the server sends <see cref="ShutdownMessage"/>
/// when a build stops the workspace. The server closes with <see cref="ServerShutdownCloseReason"/> when it
/// shuts down gracefully.</item>
/// </list>
/// A wrong or unknown token answers 401; the agent retries with backoff.
/// </summary>
public static class AgentApi
{
    /// <summary>The route prefix.</summary>
    public const string Prefix = "/api/v2/workspaceagents/me";

    /// <summary>
    /// The header in which an agent names its version (<see cref="BuildVersion.Version"/>) on every
    /// request; the server records it when the agent fetches its manifest.
    /// </summary>
    public const string VersionHeader = "Outpost-Agent-Version";

    /// <summary>
    /// The header in which an agent names, when it fetches its manifest, the <c>HOST:PORT</c> where it accepts direct
    /// connections (an empty value: none).
    /// </summary>
    public const string DirectAddressHeader = "Outpost-Agent-Direct-Address";

    /// <summary>The longest version the server records.</summary>
    public const int MaxVersionLength = 64;

    /// <summary>The WebSocket close description a gracefully stopping server sends (status 1001, going away).</summary>
    public const string ServerShutdownCloseReason = "server_shutdown";

    /// <summary>The close description when the workspace was stopped or deleted (status 1000).</summary>
    public const string WorkspaceStoppedCloseReason = "workspace_stopped";
}

/// <summary>An agent's lifecycle state, reported by the agent and kept by the server (coder-spec §6).</summary>
public enum AgentLifecycleState
{
    /// <summary>Built, not started yet (a rebuild starts here).</summary>
    Created,

    /// <summary>Running startup scripts.</summary>
    Starting,

    /// <summary>A startup script ran past its timeout.</summary>
    StartTimeout,

    /// <summary>A startup script failed.</summary>
    StartError,

    /// <summary>Started; usable.</summary>
    Ready,

    /// <summary>Running shutdown scripts.</summary>
    ShuttingDown,

    /// <summary>A shutdown script ran past its timeout.</summary>
    ShutdownTimeout,

    /// <summary>A shutdown script failed.</summary>
    ShutdownError,

    /// <summary>Stopped.</summary>
    Off,
}

/// <summary>The server's view of an agent's control-plane connection (coder-spec §6).</summary>
public enum AgentConnectionStatus
{
    /// <summary>Never connected, still within its connection timeout.</summary>
    Connecting,

    /// <summary>Connected, with a recent heartbeat.</summary>
    Connected,

    /// <summary>Was connected; is not now (or stopped heartbeating).</summary>
    Disconnected,

    /// <summary>Never connected within its connection timeout.</summary>
    Timeout,
}

/// <summary>Everything an agent needs to run: who it is and what to run.</summary>
public sealed record AgentManifest
{
    /// <summary>The agent's id.</summary>
    public required Guid AgentId { get; init; }

    /// <summary>The agent's name.</summary>
    public required string AgentName { get; init; }

    /// <summary>The workspace's id.</summary>
    public required Guid WorkspaceId { get; init; }

    /// <summary>The workspace's name.</summary>
    public required string WorkspaceName { get; init; }

    /// <summary>The workspace owner's username.</summary>
    public required string OwnerName { get; init; }

    /// <summary>The build that created this agent.</summary>
    public required Guid BuildId { get; init; }

    /// <summary>The working directory for scripts and sessions.</summary>
    public required string Directory { get; init; }

    /// <summary>The merged environment for scripts and sessions.</summary>
    public required IReadOnlyDictionary<string, string> Environment { get; init; }

    /// <summary>Startup and shutdown scripts.</summary>
    public required IReadOnlyList<AgentScript> Scripts { get; init; }

    /// <summary>Apps the agent serves.</summary>
    public required IReadOnlyList<AgentApp> Apps { get; init; }

    /// <summary>The server's Ed25519 public key (raw 32 bytes, base64) that signs direct-connection tickets; null when the server issues none.</summary>
    public string? DirectTicketPublicKey { get; init; }

    /// <summary>How often to send a heartbeat.</summary>
    public int HeartbeatIntervalSeconds { get; init; } = 10;
}

/// <summary>A batch of agent log lines.</summary>
public sealed record AgentLogsRequest
{
    /// <summary>Lines, oldest first.</summary>
    public required IReadOnlyList<AgentLogLine> Logs { get; init; }
}

/// <summary>One line of script or agent output.</summary>
public sealed record AgentLogLine
{
    /// <summary>When it was written.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Severity.</summary>
    public ProvisionerLogLevel Level { get; init; } = ProvisionerLogLevel.Info;

    /// <summary>Which script (its display name) or <c>agent</c>.</summary>
    public required string Source { get; init; }

    /// <summary>The text, without a trailing newline.</summary>
    public required string Output { get; init; }
}

/// <summary>A control-plane message; the JSON <c>type</c> property says which.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(HeartbeatMessage), "heartbeat")]
[JsonDerivedType(typeof(LifecycleMessage), "lifecycle")]
[JsonDerivedType(typeof(StatsMessage), "stats")]
[JsonDerivedType(typeof(ShutdownMessage), "shutdown")]
[JsonDerivedType(typeof(Outpost.Sdk.Sessions.SessionDialMessage), "session_dial")]
public abstract record AgentControlMessage;

/// <summary>Agent → server: still here.</summary>
public sealed record HeartbeatMessage : AgentControlMessage
{
    /// <summary>When the agent sent it.</summary>
    public required DateTimeOffset SentAt { get; init; }
}

/// <summary>Agent → server: the lifecycle changed, at <see cref="ChangedAt"/> (sent late after a reconnect).</summary>
public sealed record LifecycleMessage : AgentControlMessage
{
    /// <summary>The new state.</summary>
    public required AgentLifecycleState State { get; init; }

    /// <summary>When it changed, by the agent's clock.</summary>
    public required DateTimeOffset ChangedAt { get; init; }
}

/// <summary>Agent → server: resource and session figures.</summary>
public sealed record StatsMessage : AgentControlMessage
{
    /// <summary>When they were collected.</summary>
    public required DateTimeOffset CollectedAt { get; init; }

    /// <summary>Open sessions.</summary>
    public int SessionCount { get; init; }

    /// <summary>The agent process's resident memory.</summary>
    public long MemoryBytes { get; init; }

    /// <summary>Seconds since the agent started.</summary>
    public double UptimeSeconds { get; init; }
}

/// <summary>Server → agent: a build is stopping or deleting the workspace; run shutdown and go <c>off</c>.</summary>
public sealed record ShutdownMessage : AgentControlMessage
{
    /// <summary>Why, e.g. <c>workspace_stopped</c>.</summary>
    public required string Reason { get; init; }

    /// <summary>The build that asked for it.</summary>
    public Guid? BuildId { get; init; }

    /// <summary>The build's transition.</summary>
    public WorkspaceTransition? Transition { get; init; }
}
