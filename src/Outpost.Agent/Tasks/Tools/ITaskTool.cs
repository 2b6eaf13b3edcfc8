using System.Text.Json;

namespace Outpost.Agent.Tasks.Tools;

/// <summary>
/// A tool the model may call. It runs inside the workspace with the agent's (the workspace user's) rights;
/// every refusal — a bad argument, a path outside the workspace, no match — is a <see cref="ToolResult"/> with
/// <see cref="ToolResult.IsError"/> that goes back to the model, never an exception. Only cancellation throws.
/// </summary>
internal interface ITaskTool
{
    public string Name { get; }

    public string Description { get; }

    public ToolEffect Effect { get; }

    /// <summary>The JSON schema of the arguments.</summary>
    public JsonElement Parameters { get; }

    public Task<ToolResult> RunAsync(ToolArguments arguments, ToolContext context, CancellationToken cancellationToken);

    /// <summary>A short line for the task's tool-call message (a path, a command), never a file's whole content.</summary>
    public string Summarize(ToolArguments arguments);
}

/// <summary>A tool's answer to the model.</summary>
internal sealed record ToolResult(string Output, bool IsError = false)
{
    public static ToolResult Error(string message) => new(message, true);
}

/// <summary>Where and how tools run.</summary>
internal sealed record ToolContext
{
    public required WorkspaceDirectory Workspace { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Set in commands' environments on top of the agent's (null removes a variable: the API key, the agent token).</summary>
    public IReadOnlyDictionary<string, string?> CommandEnvironment { get; init; } = new Dictionary<string, string?>();

    /// <summary>A command's timeout when the model names none.</summary>
    public TimeSpan DefaultCommandTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The longest timeout a model may ask for.</summary>
    public TimeSpan MaxCommandTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How much of a command's output is kept (half from its start, half from its end).</summary>
    public int CommandOutputLimit { get; init; } = 16 * 1024;
}
