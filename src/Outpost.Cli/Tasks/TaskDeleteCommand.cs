using System.CommandLine;
using Outpost.Cli.Hosting;

namespace Outpost.Cli.Tasks;

/// <summary><c>outpost tasks delete TASK [--yes]</c>: deletes the task's workspace, and so the task.</summary>
internal static class TaskDeleteCommand
{
    public static Command Create(CliContext context)
    {
        var task = TasksCommand.TaskArgument();
        var yes = new Option<bool>("--yes", "-y") { Description = "Delete without asking (needed when not on a terminal)." };
        var command = new Command("delete", "Delete a task and its workspace (the workspace's files are destroyed).") { task, yes };
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context, async (client, ct) =>
        {
            if (await TaskResolver.FindAsync(context, client.Api, result.GetValue(task)!, ct).ConfigureAwait(false) is not { } found)
            {
                return ExitCodes.NotFound;
            }

            if (!result.GetValue(yes))
            {
                if (context.Prompter is not { } prompter)
                {
                    await context.Error.WriteLineAsync("error: not on a terminal, so nobody can confirm; pass --yes to delete it").ConfigureAwait(false);
                    return ExitCodes.NotConfirmed;
                }

                if (!await prompter.ConfirmAsync($"Delete task {found.WorkspaceName} and its workspace?", ct).ConfigureAwait(false))
                {
                    await context.Error.WriteLineAsync("Nothing was deleted.").ConfigureAwait(false);
                    return ExitCodes.NotConfirmed;
                }
            }

            var build = await client.Api.DeleteTaskAsync(found.Id, ct).ConfigureAwait(false);
            await context.Error.WriteLineAsync($"Deleting task {found.WorkspaceName}: workspace build #{build.BuildNumber} (delete) is queued; the task goes with the workspace.").ConfigureAwait(false);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }
}
