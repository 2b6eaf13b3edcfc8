namespace Outpost.Provisioner.Local;

/// <summary>A plan, or the message that fails the build (a merge error names the variable).</summary>
internal sealed record LocalPlanResult
{
    public LocalWorkspacePlan? Plan { get; init; }

    public string? Error { get; init; }

    public bool Succeeded => Plan is not null;
}
