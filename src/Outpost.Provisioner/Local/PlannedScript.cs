namespace Outpost.Provisioner.Local;

internal sealed record PlannedScript
{
    public const string Startup = "startup";
    public const string Shutdown = "shutdown";

    /// <summary><see cref="Startup"/> or <see cref="Shutdown"/>.</summary>
    public required string Name { get; init; }

    public required string Script { get; init; }

    /// <summary><see cref="TimeSpan.Zero"/> means no timeout.</summary>
    public required TimeSpan Timeout { get; init; }

    public bool RunOnStart => Name == Startup;

    public bool RunOnStop => Name == Shutdown;
}
