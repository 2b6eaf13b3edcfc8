using System.CommandLine;
using Outpost.Cli.Hosting;

namespace Outpost.Cli.Tasks;

/// <summary><c>outpost tasks create|list|show|logs|send|stop|delete|export</c> (docs/tasks.md).</summary>
internal static class TasksCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("tasks", "AI tasks: a prompt that becomes a workspace where a coding agent works.");
        command.Subcommands.Add(TaskCreateCommand.Create(context));
        command.Subcommands.Add(TaskListCommand.Create(context));
        command.Subcommands.Add(TaskShowCommand.Create(context));
        command.Subcommands.Add(TaskLogsCommand.Create(context));
        command.Subcommands.Add(TaskSendCommand.Create(context));
        command.Subcommands.Add(TaskStopCommand.Create(context));
        command.Subcommands.Add(TaskDeleteCommand.Create(context));
        command.Subcommands.Add(TaskExportCommand.Create(context));
        return command;
    }

    /// <summary>The argument naming a task: its id, or its workspace's name.</summary>
    public static Argument<string> TaskArgument() => new("task") { Description = "The task: its id, or its workspace's name." };

    /// <summary>
    /// Text from an argument, else all of stdin when it is piped (one trailing newline dropped); null when there is neither.
    /// </summary>
    public static async Task<string?> TextAsync(CliContext context, string? given, CancellationToken cancellationToken)
    {
        if (given is not null)
        {
            return given;
        }

        if (context.In is not { } input)
        {
            return null;
        }

        var text = await input.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        return text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2] : text.EndsWith('\n') ? text[..^1] : text;
    }
}
