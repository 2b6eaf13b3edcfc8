using System.CommandLine;
using Outpost.Cli.Hosting;

namespace Outpost.Cli.Tasks;

/// <summary><c>outpost tasks stop TASK</c>: interrupts the agent's current run; the workspace keeps running.</summary>
internal static class TaskStopCommand
{
    public static Command Create(CliContext context)
    {
        var task = TasksCommand.TaskArgument();
        var command = new Command("stop", "Stop the agent's current run (the workspace keeps running; `send` starts a new run).") { task };
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context, async (client, ct) =>
        {
            if (await TaskResolver.FindAsync(context, client.Api, result.GetValue(task)!, ct).ConfigureAwait(false) is not { } found)
            {
                return ExitCodes.NotFound;
            }

            await client.Api.StopTaskAsync(found.Id, ct).ConfigureAwait(false);
            await context.Error.WriteLineAsync($"Asked the agent of task {found.WorkspaceName} to stop.").ConfigureAwait(false);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }
}
