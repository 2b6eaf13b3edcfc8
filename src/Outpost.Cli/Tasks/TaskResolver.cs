using Outpost.Sdk;
using Outpost.Sdk.Client;
using Outpost.Sdk.Tasks;

namespace Outpost.Cli.Tasks;

/// <summary>Finds the task a command line names: by id, else by its workspace's name among the caller's tasks.</summary>
internal static class TaskResolver
{
    /// <summary>The task; or null, once the reason is on stderr (the caller exits with <see cref="ExitCodes.NotFound"/>).</summary>
    public static async Task<AiTask?> FindAsync(Hosting.CliContext context, OutpostApiClient api, string task, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (found, problem) = await ResolveAsync(api, task, cancellationToken).ConfigureAwait(false);
        if (found is null)
        {
            await context.Error.WriteLineAsync($"error: {problem}").ConfigureAwait(false);
        }

        return found;
    }

    /// <summary>The task, or null with what to tell the user.</summary>
    public static async Task<(AiTask? Task, string? Problem)> ResolveAsync(OutpostApiClient api, string task, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(task);
        if (Guid.TryParse(task, out var id))
        {
            return (await api.GetTaskAsync(id, cancellationToken).ConfigureAwait(false), null);
        }

        var tasks = (await api.ListTasksAsync(cancellationToken).ConfigureAwait(false)).Tasks;
        var matches = tasks.Where(t => string.Equals(t.WorkspaceName, task, StringComparison.OrdinalIgnoreCase)).ToList();
        return matches.Count switch
        {
            1 => (matches[0], null),
            0 when tasks.Count == 0 => (null, $"there is no task \"{task}\"; you have no tasks (create one with `outpost tasks create --template T --prompt \"…\"`)"),
            0 => (null, $"there is no task \"{task}\"{NameSuggestions.DidYouMean(task, [.. tasks.Select(t => t.WorkspaceName)])}; see `outpost tasks list`"),
            _ => (null, $"several tasks have a workspace named \"{task}\" (owned by {string.Join(", ", matches.Select(m => m.OwnerName))}); name the task by its id"),
        };
    }
}
