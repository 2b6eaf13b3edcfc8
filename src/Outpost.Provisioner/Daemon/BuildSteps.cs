using Outpost.Provisioner.Environment;
using Outpost.Sdk.Provisioning;

namespace Outpost.Provisioner.Daemon;

/// <summary>
/// A workspace build through any provisioner: plan, merge every agent's environment once, apply, and
/// report the merged environment (so the server stores it as is). A merge error fails the build with
/// <see cref="ProvisionerErrorCodes.EnvMerge"/> before apply starts anything.
/// </summary>
internal static class BuildSteps
{
    public const string MergeStage = "Merging environment";

    public static async Task<ProvisionerResult<WorkspaceBuildResult>> RunAsync(
        IProvisioner provisioner, PlanRequest request, IJobLog log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provisioner);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(log);
        ProvisionerResult<BuildPlan> planned;
        using (ProvisionerDiagnostics.ActivitySource.StartActivity("plan"))
        {
            planned = await provisioner.PlanAsync(request, log, cancellationToken).ConfigureAwait(false);
        }

        if (!planned.Succeeded)
        {
            return ProvisionerResult<WorkspaceBuildResult>.Fail(planned.Failure!.Error, planned.Failure.ErrorCode, planned.Failure.State);
        }

        var (plan, mergeError) = Merge(planned.Value!);
        if (mergeError is not null)
        {
            provisioner.Discard(planned.Value!);
            log.Error(MergeStage, mergeError);
            return ProvisionerResult<WorkspaceBuildResult>.Fail(mergeError, ProvisionerErrorCodes.EnvMerge);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            provisioner.Discard(plan!);
            cancellationToken.ThrowIfCancellationRequested();
        }

        // terraform and the agents apply starts get this span's context as TRACEPARENT (ProcessTrace).
        using var apply = ProvisionerDiagnostics.ActivitySource.StartActivity("apply");
        var applied = await provisioner.ApplyAsync(plan!, log, cancellationToken).ConfigureAwait(false);
        return applied.Succeeded ? ProvisionerResult<WorkspaceBuildResult>.Ok(WithMergedEnvironments(applied.Value!, plan!)) : applied;
    }

    /// <summary>Merges every planned agent's environment (coder-spec §2); the first error names the agent's address.</summary>
    public static (BuildPlan? Plan, string? Error) Merge(BuildPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var merged = new Dictionary<string, IReadOnlyDictionary<string, string>?>(StringComparer.Ordinal);
        foreach (var agent in plan.Agents)
        {
            var environment = EnvironmentMerge.BuildAgentEnvironment(agent.ExtraEnvs, agent.Env);
            if (environment.Error is { } error)
            {
                return (null, $"{agent.Address}: {error.Message}");
            }

            merged[agent.Agent] = environment.Variables;
        }

        return (plan with { MergedEnvironments = merged }, null);
    }

    /// <summary>Each reported agent the plan merged gets its merged environment and no extra entries left to merge.</summary>
    private static WorkspaceBuildResult WithMergedEnvironments(WorkspaceBuildResult result, BuildPlan plan) => result with
    {
        Resources =
        [
            .. result.Resources.Select(resource => resource with
            {
                Agents =
                [
                    .. resource.Agents.Select(agent => plan.MergedEnvironments.TryGetValue(agent.Name, out var environment)
                        ? agent with { Env = environment ?? new Dictionary<string, string>(), ExtraEnvs = [] }
                        : agent),
                ],
            }),
        ],
    };
}
