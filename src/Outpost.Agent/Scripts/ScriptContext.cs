namespace Outpost.Agent.Scripts;

/// <summary>Where and with what environment scripts run.</summary>
internal sealed record ScriptContext
{
    public required string WorkingDirectory { get; init; }

    /// <summary>Variables to set (a null value removes an inherited one).</summary>
    public required IReadOnlyDictionary<string, string?> Environment { get; init; }
}
