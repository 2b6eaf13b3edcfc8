using System.Diagnostics;

namespace Outpost.Agent;

/// <summary>
/// The agent's one <see cref="ActivitySource"/>: its start (manifest, startup scripts, the state it
/// reached) continues the trace of the build that started it (<c>TRACEPARENT</c>).
/// </summary>
internal static class AgentDiagnostics
{
    public const string Name = "Outpost.Agent";

    public static ActivitySource ActivitySource { get; } = new(Name, Sdk.BuildVersion.Version);
}
