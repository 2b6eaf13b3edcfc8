using System.CommandLine;
using Outpost.Cli.Hosting;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Workspaces;

namespace Outpost.Cli.Workspaces;

/// <summary><c>outpost update NAME</c>: a start build on the template's active version.</summary>
internal static class UpdateCommand
{
    public static Command Create(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "The workspace's name." };
        var build = new BuildOptions();
        var command = new Command("update", "Rebuild a workspace on its template's active version and wait for its agents.") { name };
        build.AddTo(command);
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context,
            (client, ct) => RunAsync(context, client, result.GetValue(name)!, build.Read(result), ct), cancellationToken));
        return command;
    }

    /// <summary>The verb's body, also what the workflow method <c>outpost/workspace update</c> runs.</summary>
    internal static async Task<int> RunAsync(CliContext context, AuthenticatedClient client, string name, BuildFlags flags, CancellationToken ct)
    {
        var workspace = await client.Api.GetWorkspaceByNameAsync("me", name, ct).ConfigureAwait(false);
        var template = await client.Api.GetTemplateAsync(workspace.TemplateId.ToString(), ct).ConfigureAwait(false);
        if (template.ActiveVersionId is not { } active)
        {
            await context.Error.WriteLineAsync($"error: template \"{template.Name}\" has no active version to update to").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        if (active == workspace.LatestBuild.TemplateVersionId)
        {
            await context.Error.WriteLineAsync($"{workspace.Name} is already on the active version of \"{template.Name}\"; nothing to update.").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        var version = await client.Api.GetTemplateVersionAsync(active, ct).ConfigureAwait(false);
        await context.Error.WriteLineAsync($"Updating {workspace.Name} to {template.Name} {version.Name}.").ConfigureAwait(false);
        var request = new CreateWorkspaceBuildRequest { Transition = WorkspaceTransition.Start, Reason = BuildReason.Cli, TemplateVersionId = active };
        return await new WorkspaceBuildRunner(context, client, workspace).RunAsync("update", request, BuildOperation.Update, flags, ct).ConfigureAwait(false);
    }
}
