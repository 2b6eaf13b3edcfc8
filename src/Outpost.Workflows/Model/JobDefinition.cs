namespace Outpost.Workflows.Model;

/// <summary>A job of a workflow (spec §9.3).</summary>
internal sealed record JobDefinition
{
    public required string Name { get; init; }

    public string Description { get; init; } = string.Empty;

    public required IReadOnlyList<StepDefinition> Steps { get; init; }

    public IReadOnlyList<Dependency> DependsOn { get; init; } = [];

    public double Weight { get; init; }

    public int? Concurrency { get; init; }

    public string? Driver { get; init; }

    public int Line { get; init; }
}
