using System.CommandLine;
using Outpost.Cli.Hosting;
using Outpost.Provisioner.Parameters;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Workspaces;

namespace Outpost.Cli.Workspaces;

/// <summary><c>outpost create NAME --template T [--parameter k=v …]</c>.</summary>
internal static class CreateCommand
{
    public static Command Create(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "The workspace's name." };
        var template = new Option<string>("--template", "-t") { Description = "The template to build it from.", Required = true };
        var parameters = new Option<string[]>("--parameter", "-p") { Description = "A parameter value, name=value (repeatable).", AllowMultipleArgumentsPerToken = false };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask anything." };
        var wait = BuildReporter.CreateWaitOption();
        var command = new Command("create", "Create a workspace from a template and queue its first build.") { name, template, parameters, yes, wait };
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context, async (client, ct) =>
        {
            var (assignments, errors) = ParameterResolver.ParseAssignments(result.GetValue(parameters) ?? []);
            if (errors.Count > 0)
            {
                await context.Error.WriteLineAsync($"error: --parameter {string.Join("; ", errors)}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var workspace = await client.Api.CreateWorkspaceAsync(new CreateWorkspaceRequest
            {
                Name = result.GetValue(name)!,
                TemplateName = result.GetValue(template),
                Parameters = [.. assignments.Select(a => new ParameterValue { Name = a.Name, Value = a.Value })],
                Reason = BuildReason.Cli,
            }, ct).ConfigureAwait(false);
            return await BuildReporter.ReportAsync(context, client, workspace.Name, workspace.LatestBuild, result.GetValue(wait), ct).ConfigureAwait(false);
        }, cancellationToken));
        return command;
    }
}
