using Outpost.Sdk.Parameters;
using Outpost.Sdk.Provisioning;

namespace Outpost.Provisioner.Local;

/// <summary>Everything apply needs to make a local workspace match one build, and what the build reports.</summary>
internal sealed record LocalWorkspacePlan
{
    public required WorkspaceTransition Transition { get; init; }

    public required string WorkspaceDirectory { get; init; }

    /// <summary>Every resource the transition touches, destroyed ones included.</summary>
    public required IReadOnlyList<PlannedResource> Resources { get; init; }

    /// <summary>Agents to report; only a start build has any.</summary>
    public required IReadOnlyList<PlannedAgent> Agents { get; init; }

    /// <summary>On start, the processes to launch; on stop and delete, the ones to end.</summary>
    public required IReadOnlyList<AgentProcessPlan> Processes { get; init; }

    /// <summary>Directories apply creates on start: the workspace directory, then agent directories inside it.</summary>
    public required IReadOnlyList<string> DirectoriesToCreate { get; init; }

    /// <summary>True on delete: apply removes <see cref="WorkspaceDirectory"/> after the processes end.</summary>
    public required bool RemoveWorkspaceDirectory { get; init; }

    public required IReadOnlyList<ResolvedParameter> Parameters { get; init; }

    /// <summary>What exists after apply, which is what the build reports.</summary>
    public IEnumerable<PlannedResource> ReportedResources => Resources.Where(resource => resource.Change != ResourceChange.Destroy);
}
