using System.CommandLine;
using System.Text.Json;
using Outpost.Cli.Hosting;
using Outpost.Sdk.Tasks;

namespace Outpost.Cli.Tasks;

/// <summary><c>outpost tasks list [--output json]</c>.</summary>
internal static class TaskListCommand
{
    public static Command Create(CliContext context)
    {
        var output = OutputFormat.CreateOption();
        var command = new Command("list", "List your tasks, newest first (an owner sees everyone's).") { output };
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context, async (client, ct) =>
        {
            var list = await client.Api.ListTasksAsync(ct).ConfigureAwait(false);
            if (result.GetValue(output) == OutputFormat.Json)
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(list, TaskJsonContext.Default.AiTaskList)).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            await OutputFormat.WriteTableAsync(context.Out, ["WORKSPACE", "OWNER", "TEMPLATE", "STATUS", "CREATED", "PROMPT"], list.Tasks.Select(t => (IReadOnlyList<string>)
            [
                t.WorkspaceName, t.OwnerName, t.TemplateName, Sdk.WireName.Of(t.Status), TaskFormat.Time(t.CreatedAt), TaskFormat.Short(t.Prompt),
            ])).ConfigureAwait(false);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }
}
