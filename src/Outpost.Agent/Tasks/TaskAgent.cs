using Microsoft.Extensions.Logging;
using Outpost.Agent.Scripts;
using Outpost.Agent.Tasks.Tools;
using Outpost.Sdk.Agents;

namespace Outpost.Agent.Tasks;

/// <summary>How the workspace agent starts the coding loop of a task workspace (one whose manifest environment names a task).</summary>
internal static class TaskAgent
{
    /// <summary>
    /// Starts the loop in the workspace directory when the manifest's environment has <c>OUTPOST_TASK_ID</c>; null otherwise.
    /// The loop runs until <paramref name="shutdown"/> (the agent's shutdown) and then reports a run in progress as stopped.
    /// </summary>
    public static Task? Start(AgentManifest manifest, ScriptContext context, Func<Guid, ITaskChannel>? channelFor, TaskLimits limits, TimeProvider time, ILogger logger, CancellationToken shutdown,
        TaskLifecycleCloses? closes = null, Telemetry.ITelemetryReporter? telemetry = null)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(context);
        if (TaskAgentSettings.From(manifest.Environment, Environment.GetEnvironmentVariable) is not { } settings || channelFor is null)
        {
            return null;
        }

        var environment = CommandEnvironment(context.Environment, settings);
        var tools = new ToolContext { Workspace = new WorkspaceDirectory(context.WorkingDirectory), Time = time, CommandEnvironment = environment };
        var runner = new TaskRunner(settings, channelFor(settings.TaskId), tools, limits, time, logger) { LifecycleCloses = closes, Telemetry = telemetry };
        return Task.Run(async () =>
        {
            try
            {
                await runner.RunAsync(shutdown).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A bug in the loop must not take the workspace agent down with it.
                TaskAgentLog.LoopCrashed(logger, settings.TaskId, ex);
            }
        }, CancellationToken.None);
    }

    /// <summary>
    /// The variables commands see on top of the agent's: the scripts' (the manifest's and the agent's own), without the
    /// provider's key and the agent's token — commands run what the model writes.
    /// </summary>
    public static Dictionary<string, string?> CommandEnvironment(IEnumerable<KeyValuePair<string, string?>> environment, TaskAgentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(settings);
        var result = new Dictionary<string, string?>(environment, StringComparer.Ordinal)
        {
            [settings.ApiKeyVariable] = null,
            [AgentEnvironment.AgentToken] = null,
        };
        return result;
    }
}
