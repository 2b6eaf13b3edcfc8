namespace Outpost.Workflows.Engine;

/// <summary>Limits of a run: the global cap on concurrent jobs and steps (0: none) and the nesting depth of workflow tasks.</summary>
internal sealed record WorkflowEngineOptions
{
    /// <summary>Caps every level's concurrency, like <c>SWAMP_MAX_CONCURRENT_STEPS</c> (spec §10.3); 0 means no cap.</summary>
    public int MaxConcurrency { get; init; }

    /// <summary>A step at this depth cannot start a nested workflow (spec §10.8: 10).</summary>
    public int MaxDepth { get; init; } = 10;

    /// <summary>The CLI's <c>--driver</c>: the first tier of driver resolution (spec §9.9); null when not given.</summary>
    public string? Driver { get; init; }
}
