namespace Outpost.Agent.Scripts;

/// <summary>How a script run ended.</summary>
internal enum ScriptOutcomeKind
{
    Succeeded,

    /// <summary>Exited with a non-zero code.</summary>
    Failed,

    /// <summary>Ran past its timeout; its process tree was killed.</summary>
    TimedOut,

    /// <summary>The shell could not be started.</summary>
    NotStarted,

    /// <summary>The agent stopped it (it was shutting down).</summary>
    Canceled,
}

/// <summary>The result of one script run, as a value.</summary>
internal sealed record ScriptOutcome(ScriptOutcomeKind Kind, int? ExitCode, TimeSpan Duration, long LineCount, string? Error = null);
