namespace Outpost.Workflows.Model;

/// <summary>A workflow file (spec §9.2), as parsed: expressions are still text.</summary>
internal sealed record WorkflowDefinition
{
    public required Guid Id { get; init; }

    public required string Name { get; init; }

    public string Description { get; init; } = string.Empty;

    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    public InputSchema? Inputs { get; init; }

    public required IReadOnlyList<JobDefinition> Jobs { get; init; }

    public int Version { get; init; } = 1;

    public int? Concurrency { get; init; }

    public string? Driver { get; init; }

    /// <summary>The file it was read from, for errors found later.</summary>
    public string File { get; init; } = string.Empty;
}
