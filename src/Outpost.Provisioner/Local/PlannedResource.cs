namespace Outpost.Provisioner.Local;

internal sealed record PlannedResource
{
    public const string WorkspaceDirectoryType = "local_workspace_directory";
    public const string AgentProcessType = "local_agent_process";

    public required string Type { get; init; }

    public required string Name { get; init; }

    public required ResourceChange Change { get; init; }

    /// <summary>Shown to users as the resource's metadata, ordered by key.</summary>
    public required IReadOnlyDictionary<string, string> Attributes { get; init; }
}
