using System.CommandLine;
using Outpost.Cli.Hosting;

namespace Outpost.Cli.Tasks;

/// <summary><c>outpost tasks send TASK "follow-up"</c> (or the text on stdin).</summary>
internal static class TaskSendCommand
{
    public static Command Create(CliContext context)
    {
        var task = TasksCommand.TaskArgument();
        var text = new Argument<string?>("message") { Description = "What to tell the agent; read from stdin when left out.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("send", "Send the task's agent a follow-up; it continues once its current run ends.") { task, text };
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context, async (client, ct) =>
        {
            var content = await TasksCommand.TextAsync(context, result.GetValue(text), ct).ConfigureAwait(false);
            if (string.IsNullOrWhiteSpace(content))
            {
                await context.Error.WriteLineAsync("error: no message: pass it as an argument or pipe it on stdin").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (await TaskResolver.FindAsync(context, client.Api, result.GetValue(task)!, ct).ConfigureAwait(false) is not { } found)
            {
                return ExitCodes.NotFound;
            }

            var sent = await client.Api.SendTaskMessageAsync(found.Id, content, ct).ConfigureAwait(false);
            await context.Error.WriteLineAsync($"Sent message {sent.Sequence} to task {found.WorkspaceName}.").ConfigureAwait(false);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }
}
