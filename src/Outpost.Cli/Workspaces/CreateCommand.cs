using System.CommandLine;
using Outpost.Cli.Hosting;
using Outpost.Sdk.Parameters;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Workspaces;

namespace Outpost.Cli.Workspaces;

/// <summary><c>outpost create NAME --template T [--preset P] [--parameter k=v …]</c>.</summary>
internal static class CreateCommand
{
    public static Command Create(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "The workspace's name." };
        var template = new Option<string>("--template", "-t") { Description = "The template to build it from.", Required = true };
        var parameters = new Option<string[]>("--parameter", "-p") { Description = "A parameter value, name=value (repeatable).", AllowMultipleArgumentsPerToken = false };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask anything." };
        var preset = new Option<string?>("--preset") { Description = "A preset of the template: its parameter values, and a ready prebuilt workspace is claimed when there is one." };
        var build = new BuildOptions();
        var command = new Command("create", "Create a workspace from a template, follow its first build and wait for its agents.") { name, template, parameters, yes, preset };
        build.AddTo(command);
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context,
            (client, ct) => RunAsync(context, client, result.GetValue(name)!, result.GetValue(template)!, result.GetValue(parameters) ?? [], build.Read(result), ct,
                result.GetValue(preset)), cancellationToken));
        return command;
    }

    /// <summary>The verb's body, also what the workflow method <c>outpost/workspace create</c> runs; <paramref name="parameters"/> are <c>name=value</c>.</summary>
    internal static async Task<int> RunAsync(CliContext context, AuthenticatedClient client, string name, string template, IReadOnlyList<string> parameters, BuildFlags flags, CancellationToken ct,
        string? preset = null)
    {
        var (assignments, errors) = ParameterResolver.ParseAssignments([.. parameters]);
        if (errors.Count > 0)
        {
            await context.Error.WriteLineAsync($"error: --parameter {string.Join("; ", errors)}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var workspace = await client.Api.CreateWorkspaceAsync(new CreateWorkspaceRequest
        {
            Name = name,
            TemplateName = template,
            Parameters = [.. assignments.Select(a => new ParameterValue { Name = a.Name, Value = a.Value })],
            Reason = BuildReason.Cli,
            Preset = preset,
        }, ct).ConfigureAwait(false);
        return await new WorkspaceBuildRunner(context, client, workspace).FollowAsync(workspace.LatestBuild, flags, ct).ConfigureAwait(false);
    }
}
