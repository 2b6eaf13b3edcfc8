namespace Outpost.Provisioner.Local;

internal sealed record PlannedResource
{
    public const string WorkspaceDirectoryType = "local_workspace_directory";
    public const string AgentProcessType = "local_agent_process";

    /// <summary>Reported when the template declares a task agent: the server lets tasks use versions that have it (docs/tasks.md).</summary>
    public const string AiTaskType = "outpost_ai_task";

    public required string Type { get; init; }

    public required string Name { get; init; }

    public required ResourceChange Change { get; init; }

    /// <summary>Shown to users as the resource's metadata, ordered by key.</summary>
    public required IReadOnlyDictionary<string, string> Attributes { get; init; }
}
