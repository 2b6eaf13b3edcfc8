using Outpost.Sdk.Tasks;
using Outpost.Telemetry.Runs;

namespace Outpost.Agent.Tasks;

/// <summary>
/// The lifecycle action that is closing the agent's task runs (run-observability-spec §9, issue 23): whoever
/// initiates the close — the server stopping the workspace, the agent shutting down or reinitialising — begins an
/// action (an id and a kind) <em>before</em> it cancels, and the run that is interrupted records it, so a close we
/// initiated is never an <c>unknown_scope_close</c>. The first action begun wins: a workspace stop is also the agent
/// shutting down, and the stop is the reason.
/// </summary>
internal sealed class TaskLifecycleCloses(TimeProvider time)
{
    private LifecycleCloseAction? _current;

    /// <summary>The action closing the runs, or null while none is.</summary>
    public LifecycleCloseAction? Current => Volatile.Read(ref _current);

    /// <summary>Begins an action of <paramref name="kind"/> unless one is already closing the runs; returns the one that is.</summary>
    public LifecycleCloseAction Begin(LifecycleKind kind)
    {
        Interlocked.CompareExchange(ref _current, LifecycleCloseAction.Create(kind, time), null);
        return Current!;
    }
}
