using Outpost.Provisioner.Templates;
using Outpost.Sdk.Parameters;
using Outpost.Sdk.Provisioning;

namespace Outpost.Provisioner.Local;

internal sealed record LocalPlanRequest
{
    public required TemplateDefinition Template { get; init; }

    /// <summary>The output of <see cref="ParameterResolver.Resolve"/> for this build.</summary>
    public required IReadOnlyList<ResolvedParameter> Parameters { get; init; }

    public required WorkspaceTransition Transition { get; init; }

    /// <summary>Absolute; see <see cref="LocalPlan.WorkspaceDirectoryFor"/>.</summary>
    public required string WorkspaceDirectory { get; init; }

    /// <summary>Where the agents will run; agents that name no <c>os</c> take this one.</summary>
    public HostPlatform Host { get; init; } = HostPlatform.Current;

    /// <summary>The AI task of a task workspace (<see cref="WorkspaceBuildJob.TaskId"/>); the template's task agent gets it in its environment.</summary>
    public Guid? TaskId { get; init; }
}
