using System.CommandLine;
using Outpost.Cli.Hosting;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Workspaces;

namespace Outpost.Cli.Workspaces;

/// <summary><c>outpost start|stop|delete NAME</c>: queue a build of that transition and follow it.</summary>
internal static class TransitionCommand
{
    public static Command Create(CliContext context, WorkspaceTransition transition)
    {
        var verb = WireName.Of(transition);
        var name = new Argument<string>("name") { Description = "The workspace's name." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation." };
        var build = new BuildOptions();
        var description = transition switch
        {
            WorkspaceTransition.Start => "Start a workspace and wait for its agents.",
            WorkspaceTransition.Stop => "Stop a workspace, keeping its data.",
            _ => "Delete a workspace and everything in it.",
        };
        var command = new Command(verb, description) { name, yes };
        build.AddTo(command);
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context,
            (client, ct) => RunAsync(context, client, transition, result.GetValue(name)!, result.GetValue(yes), build.Read(result), ct), cancellationToken));
        return command;
    }

    /// <summary>The verb's body, also what the workflow method <c>outpost/workspace start|stop|delete</c> runs.</summary>
    internal static async Task<int> RunAsync(CliContext context, AuthenticatedClient client, WorkspaceTransition transition, string name, bool yes, BuildFlags flags, CancellationToken ct)
    {
        var verb = WireName.Of(transition);
        var workspace = await client.Api.GetWorkspaceByNameAsync("me", name, ct).ConfigureAwait(false);
        if (transition == WorkspaceTransition.Delete && !yes)
        {
            if (context.Prompter is null)
            {
                await context.Error.WriteLineAsync($"error: deleting \"{workspace.Name}\" destroys its data; pass --yes to confirm").ConfigureAwait(false);
                return ExitCodes.NotConfirmed;
            }

            if (!await context.Prompter.ConfirmAsync($"Delete workspace \"{workspace.Name}\" and everything in it?", ct).ConfigureAwait(false))
            {
                await context.Error.WriteLineAsync("Nothing deleted.").ConfigureAwait(false);
                return ExitCodes.NotConfirmed;
            }
        }

        if ((transition, workspace.Status) is (WorkspaceTransition.Start, WorkspaceStatus.Running) or (WorkspaceTransition.Stop, WorkspaceStatus.Stopped))
        {
            await context.Error.WriteLineAsync($"{workspace.Name} is already {WireName.Of(workspace.Status)}; nothing to do.").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        var runner = new WorkspaceBuildRunner(context, client, workspace);
        var request = new CreateWorkspaceBuildRequest { Transition = transition, Reason = BuildReason.Cli };
        var operation = transition == WorkspaceTransition.Start ? BuildOperation.Start : BuildOperation.Plain;
        return await runner.RunAsync(verb, request, operation, flags, ct).ConfigureAwait(false);
    }
}
