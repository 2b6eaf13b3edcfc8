namespace Outpost.Provisioner.Templates;

/// <summary>
/// The template's <c>task:</c> block (docs/tasks.md): the agent that runs AI tasks and the model it
/// uses. A task workspace's build gives that agent the task id and these settings as <c>OUTPOST_TASK_*</c>
/// variables, which templates may not set themselves.
/// </summary>
internal sealed record TemplateTask
{
    public required string Agent { get; init; }

    /// <summary>An OpenAI-compatible base URL (<c>OUTPOST_TASK_MODEL_URL</c>); null leaves it to the agent's default.</summary>
    public string? ModelUrl { get; init; }

    /// <summary>The model's name (<c>OUTPOST_TASK_MODEL</c>).</summary>
    public string? Model { get; init; }

    /// <summary>The variable holding the API key (<c>OUTPOST_TASK_API_KEY_ENV</c>), filled from the owner's secret of that name.</summary>
    public string? ApiKeyEnv { get; init; }
}
