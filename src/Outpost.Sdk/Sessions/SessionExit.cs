namespace Outpost.Sdk.Sessions;

/// <summary>How the session's process ended: an exit code, or the signal that killed it.</summary>
public sealed record SessionExit
{
    /// <summary>The exit code, when the process exited.</summary>
    public int? Code { get; init; }

    /// <summary>The signal's name (<c>KILL</c>, <c>TERM</c>, …), when a signal killed it.</summary>
    public string? Signal { get; init; }

    /// <summary>The status as a shell reports it: the code, or 128 + the signal's number.</summary>
    public int ShellStatus => Code ?? 128 + SessionSignals.Number(Signal ?? string.Empty) ?? 255;

    /// <summary>For people and logs: <c>exit 3</c> or <c>signal KILL</c>.</summary>
    public string Describe() => Code is { } code ? $"exit {code}" : $"signal {Signal}";
}
