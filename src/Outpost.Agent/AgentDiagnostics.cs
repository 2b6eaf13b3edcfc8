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

    /// <summary>
    /// Runs <paramref name="start"/> with no current activity: what it starts in the background for the agent's whole
    /// life (the control plane with its heartbeats, the log pump) makes root spans instead of stretching the trace of
    /// the build that started the agent without end.
    /// </summary>
    public static T Unparented<T>(Func<T> start)
    {
        ArgumentNullException.ThrowIfNull(start);
        var current = Activity.Current;
        Activity.Current = null;
        try
        {
            return start();
        }
        finally
        {
            Activity.Current = current;
        }
    }
}
