using System.CommandLine;
using System.Text.Json;
using Outpost.Cli.Hosting;
using Outpost.Sdk.Parameters;
using Outpost.Sdk.Tasks;

namespace Outpost.Cli.Tasks;

/// <summary><c>outpost tasks create --template T --prompt "…"</c> (or the prompt on stdin).</summary>
internal static class TaskCreateCommand
{
    public static Command Create(CliContext context)
    {
        var template = new Option<string>("--template", "-t") { Description = "The template (it must declare a task agent).", Required = true };
        var prompt = new Option<string?>("--prompt") { Description = "What the agent should do; read from stdin when left out." };
        var name = new Option<string?>("--name") { Description = "The workspace's name (default: from the prompt)." };
        var preset = new Option<string?>("--preset") { Description = "A preset of the template version." };
        var parameters = new Option<string[]>("--parameter", "-p") { Description = "A parameter value, name=value (repeatable).", AllowMultipleArgumentsPerToken = false };
        var output = OutputFormat.CreateOption();
        var command = new Command("create", "Create a task: its workspace is built and its agent starts on the prompt. Prints the task's id.")
        {
            template, prompt, name, preset, parameters, output,
        };
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context, async (client, ct) =>
        {
            var (assignments, errors) = ParameterResolver.ParseAssignments(result.GetValue(parameters) ?? []);
            if (errors.Count > 0)
            {
                await context.Error.WriteLineAsync($"error: --parameter {string.Join("; ", errors)}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var text = await TasksCommand.TextAsync(context, result.GetValue(prompt), ct).ConfigureAwait(false);
            if (string.IsNullOrWhiteSpace(text))
            {
                await context.Error.WriteLineAsync("error: no prompt: pass --prompt \"…\" or pipe it on stdin (outpost tasks create --template T < prompt.txt)").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var task = await client.Api.CreateTaskAsync(new CreateTaskRequest
            {
                Template = result.GetValue(template)!,
                Prompt = text,
                Name = result.GetValue(name),
                Preset = result.GetValue(preset),
                Parameters = assignments.ToDictionary(a => a.Name, a => a.Value, StringComparer.Ordinal),
            }, ct).ConfigureAwait(false);
            if (result.GetValue(output) == OutputFormat.Json)
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(task, TaskJsonContext.Default.AiTask)).ConfigureAwait(false);
            }
            else
            {
                await context.Out.WriteLineAsync(task.Id.ToString()).ConfigureAwait(false);
            }

            await context.Error.WriteLineAsync($"Created task {task.Id} in workspace \"{task.WorkspaceName}\"; follow it with `outpost tasks logs {task.WorkspaceName} --follow`.").ConfigureAwait(false);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }
}
