using Npgsql;
using Outpost.Provisioner.Environment;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Agents;
using Outpost.Server.Secrets;
using Outpost.Server.Workspaces;

namespace Outpost.Server.Provisionerd;

internal sealed partial class DaemonJobs
{
    /// <summary>
    /// Adds to <paramref name="batch"/> what records a build's resources, agents (environment merged
    /// and encrypted, token hashed) and new provisioner state, and marks the workspace deleted after a delete
    /// build; the caller runs the batch. A merge error adds nothing and is returned, naming the agent
    /// and the variable.
    /// </summary>
    private async Task<(BuildCompletion? Completion, EnvMergeError? MergeError)> RecordBuildAsync(
        NpgsqlTransaction transaction, NpgsqlBatch batch, Guid jobId, bool canceled, WorkspaceBuildResult result, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ofJob = await WorkspaceStore.GetBuildOfJobAsync(transaction, jobId, cancellationToken).ConfigureAwait(false);
        var (buildId, workspaceId, transition, buildNumber, templateName) = ofJob;
        var kept = ofJob.Stage == PrebuildStage.Claim && !canceled
            ? await AgentStore.TakeTokenHashesAsync(transaction, workspaceId, buildNumber, cancellationToken).ConfigureAwait(false)
            : [];

        var commands = new List<NpgsqlBatchCommand>();
        foreach (var resource in result.Resources)
        {
            var resourceId = Guid.CreateVersion7(now);
            commands.Add(WorkspaceStore.InsertResourceCommand(resourceId, jobId, resource.Name, resource.Type, now));
            foreach (var agent in resource.Agents)
            {
                var environment = EnvironmentMerge.BuildAgentEnvironment(
                    agent.ExtraEnvs.Select(ExtraEnv.From), agent.Env);
                if (environment.Error is { } error)
                {
                    return (null, error with { Message = $"agent \"{agent.Name}\": {error.Message}" });
                }

                var agentId = Guid.CreateVersion7(now);
                commands.Add(AgentStore.InsertCommand(agentId, buildId, resourceId, agent, AgentEnvironments.Protect(protector, agentId, environment.Variables), now,
                    agent.AuthToken is null ? kept.GetValueOrDefault(agent.Name) : null));
            }
        }

        commands.Add(WorkspaceStore.SaveStateCommand(buildId, result.State));
        commands.Add(WorkspaceStore.TouchCommand(workspaceId, deleted: transition == WorkspaceTransition.Delete && !canceled, now));
        if (transition == WorkspaceTransition.Delete && !canceled)
        {
            // The workspace is gone, so is its task (docs/tasks.md).
            commands.Add(Tasks.TaskStore.DeleteForWorkspaceCommand(workspaceId));
        }

        foreach (var command in commands)
        {
            batch.BatchCommands.Add(command);
        }

        return (new BuildCompletion(workspaceId, transition, buildNumber, canceled, templateName)
        {
            PresetName = ofJob.PresetName,
            Stage = ofJob.Stage,
            OwnerId = ofJob.OwnerId,
        }, null);
    }
}
