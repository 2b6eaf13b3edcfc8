using System.Text.Json;

namespace Outpost.Agent.Tasks.Tools;

/// <summary>
/// <c>task_complete</c>: the model says the whole task is done. It changes nothing in the workspace; the run that called
/// it ends <c>completed</c> (with the summary as the reason) instead of <c>idle</c>. A later follow-up starts a new run.
/// </summary>
internal sealed class TaskCompleteTool : ITaskTool
{
    /// <summary>The longest summary kept as the task's status reason.</summary>
    public const int MaxSummary = 1000;

    public string Name => "task_complete";

    public string Description =>
        "Call this once the whole task the user gave you is done (not after each step), with a one-paragraph summary of the result. " +
        "Then answer briefly; the task is marked completed. Do not call it when you need more input from the user.";

    public ToolEffect Effect => ToolEffect.ReadOnly;

    public JsonElement Parameters { get; } = ToolArguments.Schema(("summary", "string", "What was done, in a few sentences."));

    public string Summarize(ToolArguments arguments) => arguments.Optional("summary") ?? string.Empty;

    /// <summary>The status reason for a successful call.</summary>
    public static string Reason(ToolArguments arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var summary = arguments.Optional("summary")?.Trim() ?? string.Empty;
        return summary.Length == 0 ? "the agent reported the task complete" : HeadTail.Cut(summary, MaxSummary);
    }

    public Task<ToolResult> RunAsync(ToolArguments arguments, ToolContext context, CancellationToken cancellationToken) =>
        Task.FromResult(arguments.Required("summary", out var error) is null
            ? ToolResult.Error(error!)
            : new ToolResult("recorded: the task will be marked completed when you finish this answer"));
}
