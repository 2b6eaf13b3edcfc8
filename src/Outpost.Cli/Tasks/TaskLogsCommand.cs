using System.CommandLine;
using Outpost.Cli.Hosting;
using Outpost.Sdk.Client;
using Outpost.Sdk.Tasks;

namespace Outpost.Cli.Tasks;

/// <summary>
/// <c>outpost tasks logs TASK [--follow]</c>: the task's messages on stdout, in order. With <c>--follow</c>
/// it keeps printing until the task is completed, failed, stopped or deleted; a broken connection is
/// resumed from the last message printed, so nothing is missed or printed twice.
/// </summary>
internal static class TaskLogsCommand
{
    /// <summary>How many times in a row a broken stream is reopened before giving up.</summary>
    public const int MaxReconnects = 5;

    public static Command Create(CliContext context)
    {
        var task = TasksCommand.TaskArgument();
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing messages until the task is completed, failed, stopped or deleted." };
        var command = new Command("logs", "Print a task's conversation: the prompt, the agent's text, tool calls and results.") { task, follow };
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context, async (client, ct) =>
        {
            if (await TaskResolver.FindAsync(context, client.Api, result.GetValue(task)!, ct).ConfigureAwait(false) is not { } found)
            {
                return ExitCodes.NotFound;
            }

            if (!result.GetValue(follow))
            {
                await PrintAfterAsync(context, client.Api, found.Id, 0, ct).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            client.KeepSessionFresh();
            return await FollowAsync(context, client.Api, found, ct).ConfigureAwait(false);
        }, cancellationToken));
        return command;
    }

    private static async Task<int> FollowAsync(CliContext context, OutpostApiClient api, AiTask task, CancellationToken cancellationToken)
    {
        long after = 0;
        var failures = 0;
        while (true)
        {
            try
            {
                await foreach (var item in api.StreamTaskAsync(task.Id, after, cancellationToken).ConfigureAwait(false))
                {
                    failures = 0;
                    if (item.Message is { } message)
                    {
                        await context.Out.WriteLineAsync(TaskFormat.Line(message)).ConfigureAwait(false);
                        after = message.Sequence;
                    }
                    else if (item.Task is { Status: AiTaskStatus.Completed or AiTaskStatus.Failed or AiTaskStatus.Stopped } ended)
                    {
                        // The status comes before the messages of the same read: print what is left, then stop.
                        await PrintAfterAsync(context, api, task.Id, after, cancellationToken).ConfigureAwait(false);
                        await context.Error.WriteLineAsync($"Task {ended.WorkspaceName} is {TaskFormat.Status(ended)}.").ConfigureAwait(false);
                        return ended.Status == AiTaskStatus.Failed ? ExitCodes.Failure : ExitCodes.Success;
                    }
                }

                await context.Error.WriteLineAsync($"Task {task.WorkspaceName} was deleted.").ConfigureAwait(false);
                return ExitCodes.Success;
            }
            catch (Exception e) when (e is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested && ++failures <= MaxReconnects)
            {
                await context.Error.WriteLineAsync($"The stream broke ({e.Message}); resuming after message {after}.").ConfigureAwait(false);
                await Task.Delay(TimeSpan.FromSeconds(failures), context.Time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task PrintAfterAsync(CliContext context, OutpostApiClient api, Guid taskId, long after, CancellationToken cancellationToken)
    {
        while (true)
        {
            var page = (await api.ListTaskMessagesAsync(taskId, after, cancellationToken).ConfigureAwait(false)).Messages;
            if (page.Count == 0)
            {
                return;
            }

            foreach (var message in page)
            {
                await context.Out.WriteLineAsync(TaskFormat.Line(message)).ConfigureAwait(false);
                after = message.Sequence;
            }
        }
    }
}
