using System.Text.Json;
using System.Text.Json.Serialization;

namespace Outpost.Provisioner.Local;

/// <summary>
/// The local provisioner's private state, handed back by the server on the next build: the agent
/// processes it started. A copy lives in the workspace directory too (<see cref="LocalLayout.ProcessesFile"/>),
/// written as each process starts, so processes of a build that never completed (a daemon killed
/// mid-job) are still found and stopped by the next build.
/// </summary>
internal sealed record LocalState
{
    public const int CurrentVersion = 1;

    public static LocalState Empty { get; } = new();

    public int Version { get; init; } = CurrentVersion;

    public IReadOnlyList<AgentProcessRecord> Processes { get; init; } = [];

    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, LocalStateJsonContext.Default.LocalState);

    /// <summary>The state, or null with the reason when the bytes are not a state this version understands.</summary>
    public static (LocalState? State, string? Problem) Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return (Empty, null);
        }

        try
        {
            var state = JsonSerializer.Deserialize(bytes, LocalStateJsonContext.Default.LocalState);
            return state is null ? (null, "the state is null") : (state, null);
        }
        catch (JsonException ex)
        {
            return (null, ex.Message);
        }
    }
}

/// <summary>One agent process: its pid and the kernel's start time, which together name it even after the pid is reused.</summary>
internal sealed record AgentProcessRecord
{
    public required string Agent { get; init; }

    public required int Pid { get; init; }

    /// <summary>From <see cref="ProcessIdentity.StartTime"/>; a pid whose start time differs is another process.</summary>
    public required long StartTime { get; init; }

    /// <summary>The agent's shutdown script timeout; 0 means no limit.</summary>
    public required int ShutdownTimeoutSeconds { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(LocalState))]
internal sealed partial class LocalStateJsonContext : JsonSerializerContext;
