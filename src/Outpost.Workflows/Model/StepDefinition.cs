namespace Outpost.Workflows.Model;

/// <summary>A step of a job (spec §9.4).</summary>
internal sealed record StepDefinition
{
    public required string Name { get; init; }

    public string Description { get; init; } = string.Empty;

    public required StepTask Task { get; init; }

    public ForEachClause? ForEach { get; init; }

    public IReadOnlyList<Dependency> DependsOn { get; init; } = [];

    public double Weight { get; init; }

    public int? Concurrency { get; init; }

    public bool AllowFailure { get; init; }

    public string? Driver { get; init; }

    public IReadOnlyList<DataOutputOverride> DataOutputOverrides { get; init; } = [];

    /// <summary>The line the step starts at, for errors found after parsing.</summary>
    public int Line { get; init; }
}
