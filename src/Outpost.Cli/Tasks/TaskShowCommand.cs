using System.CommandLine;
using System.Text.Json;
using Outpost.Cli.Hosting;
using Outpost.Sdk.Tasks;

namespace Outpost.Cli.Tasks;

/// <summary><c>outpost tasks show TASK [--output json]</c>.</summary>
internal static class TaskShowCommand
{
    public static Command Create(CliContext context)
    {
        var task = TasksCommand.TaskArgument();
        var output = OutputFormat.CreateOption();
        var command = new Command("show", "Show a task: its workspace, status, how its last run ended, and its prompt.") { task, output };
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context, async (client, ct) =>
        {
            if (await TaskResolver.FindAsync(context, client.Api, result.GetValue(task)!, ct).ConfigureAwait(false) is not { } found)
            {
                return ExitCodes.NotFound;
            }

            // Found by name, the task comes from the list, which leaves out how its last run ended.
            found = found.LastRun is null ? await client.Api.GetTaskAsync(found.Id, ct).ConfigureAwait(false) : found;

            if (result.GetValue(output) == OutputFormat.Json)
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(found, TaskJsonContext.Default.AiTask)).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            await context.Out.WriteLineAsync($"Task:      {found.Id}").ConfigureAwait(false);
            await context.Out.WriteLineAsync($"Workspace: {found.WorkspaceName} ({found.OwnerName}, template {found.TemplateName})").ConfigureAwait(false);
            await context.Out.WriteLineAsync($"Status:    {TaskFormat.Status(found)}").ConfigureAwait(false);
            await context.Out.WriteLineAsync($"Created:   {TaskFormat.Time(found.CreatedAt)}; updated {TaskFormat.Time(found.UpdatedAt)}").ConfigureAwait(false);
            if (found.LastRun is { } run)
            {
                await context.Out.WriteLineAsync($"Last run:  {run.Sentence}").ConfigureAwait(false);
            }

            await context.Out.WriteLineAsync("Prompt:").ConfigureAwait(false);
            foreach (var line in found.Prompt.Split('\n'))
            {
                await context.Out.WriteLineAsync($"  {line}").ConfigureAwait(false);
            }

            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }
}
