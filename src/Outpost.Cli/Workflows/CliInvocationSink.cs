using Outpost.Cli.Hosting;
using Outpost.Cli.Invocations;
using Outpost.Workflows.Telemetry;

namespace Outpost.Cli.Workflows;

/// <summary>
/// The telemetry bridge's sink in the CLI (seed 004): each method a step calls becomes a
/// <c>cli_invocation</c> entry shaped like the equivalent direct command (<c>outpost create &lt;REDACTED&gt;</c>,
/// <c>outpost templates push &lt;REDACTED&gt;</c>, <c>outpost ssh &lt;REDACTED&gt; &lt;REDACTED&gt;</c>; a model with no verb
/// as <c>model method run &lt;REDACTED&gt; &lt;method&gt;</c>), with <c>parentInvocationId</c> naming the
/// <c>workflow run</c> entry and flat <c>workflowContext.*</c> properties.
/// </summary>
internal sealed class CliInvocationSink(CliContext context, string parentInvocationId) : IChildInvocationSink
{
    public void RecordChild(ChildInvocation child)
    {
        ArgumentNullException.ThrowIfNull(child);
        var workflow = child.Context;
        var extra = new List<KeyValuePair<string, string>>
        {
            new("workflowContext.workflowName", workflow.WorkflowName),
            new("workflowContext.workflowId", workflow.WorkflowId.ToString("D")),
            new("workflowContext.runId", workflow.RunId.ToString("D")),
            new("workflowContext.jobName", workflow.JobName),
            new("workflowContext.stepName", workflow.StepName),
        };
        if (workflow.ModelType is { } modelType)
        {
            extra.Add(new("workflowContext.modelType", modelType));
        }

        if (workflow.Driver is { } driver)
        {
            extra.Add(new("workflowContext.driver", driver));
        }

        InvocationRecorder.RecordChild(context.Telemetry, context.Environment, context.Prompter is not null, Equivalent(workflow.ModelType, child.Method),
            parentInvocationId, child.StartedAt, child.CompletedAt, child.Error, extra);
    }

    /// <summary>What a direct command doing the same records (command names come from our tree; every value is redacted).</summary>
    internal static CommandInfo Equivalent(string? modelType, string method) => (modelType, method) switch
    {
        ("outpost/workspace", "wait-ready") => new("watch", null, [CommandInfo.Redacted], [], []),
        ("outpost/workspace", _) => new(method, null, [CommandInfo.Redacted], [], []),
        ("outpost/template", "push") => new("templates", "push", [CommandInfo.Redacted], ["--directory"], []),
        ("outpost/workspace-exec", _) => new("ssh", null, [CommandInfo.Redacted, CommandInfo.Redacted], [], []),
        // A known model's method names are ours; an unknown model's method is the user's text.
        (not null, _) => new("model", "method", ["run", CommandInfo.Redacted, method], [], []),
        _ => new("model", "method", ["run", CommandInfo.Redacted, CommandInfo.Redacted], [], []),
    };
}
