using Outpost.Sdk.Tasks;

namespace Outpost.Agent.Tasks;

/// <summary>
/// What the task agent reads from its manifest's environment: the task (<see cref="TaskApi.AgentTaskIdVariable"/>), the
/// provider's base URL and model, and the API key from the variable <see cref="TaskApi.ApiKeyVariableVariable"/> names
/// (the owner's user secret of that name). A missing key is a <see cref="Failure"/> naming the variable, never its value.
/// </summary>
internal sealed record TaskAgentSettings
{
    public required Guid TaskId { get; init; }

    public Uri? ModelUrl { get; init; }

    public string? Model { get; init; }

    public required string ApiKeyVariable { get; init; }

    public string? ApiKey { get; init; }

    /// <summary>Why the loop cannot run (for the task's <c>failed</c> reason); null when it can.</summary>
    public string? Failure => ApiKey is null ? $"Missing required secret {ApiKeyVariable}"
        : ModelUrl is null ? $"The template sets no valid {TaskApi.ModelUrlVariable} (the provider's base URL, e.g. https://api.openai.com/v1)"
        : Model is null ? $"The template sets no {TaskApi.ModelVariable} (the model's name)"
        : null;

    /// <summary>
    /// Null when the environment names no task (not a task workspace). The key is looked up in the manifest's environment,
    /// then in <paramref name="process"/> (the agent's own environment: a local template's <c>secrets</c> entry sets the
    /// secret there).
    /// </summary>
    public static TaskAgentSettings? From(IReadOnlyDictionary<string, string> environment, Func<string, string?>? process = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (!environment.TryGetValue(TaskApi.AgentTaskIdVariable, out var id) || !Guid.TryParse(id, out var taskId))
        {
            return null;
        }

        var keyVariable = environment.GetValueOrDefault(TaskApi.ApiKeyVariableVariable) is { Length: > 0 } named ? named : TaskApi.DefaultApiKeyVariable;
        return new TaskAgentSettings
        {
            TaskId = taskId,
            ModelUrl = Uri.TryCreate(environment.GetValueOrDefault(TaskApi.ModelUrlVariable), UriKind.Absolute, out var url) && url.Scheme is "http" or "https" ? url : null,
            Model = environment.GetValueOrDefault(TaskApi.ModelVariable) is { Length: > 0 } model ? model : null,
            ApiKeyVariable = keyVariable,
            ApiKey = environment.GetValueOrDefault(keyVariable) is { Length: > 0 } key ? key
                : process?.Invoke(keyVariable) is { Length: > 0 } inherited ? inherited : null,
        };
    }

    /// <summary>The key is the settings' secret: a record's printout must not show it.</summary>
    public override string ToString() => $"task {TaskId}, model {Model} at {ModelUrl}, key in {ApiKeyVariable}";
}
