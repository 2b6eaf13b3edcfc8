using System.CommandLine;
using Outpost.Cli.Hosting;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Workspaces;

namespace Outpost.Cli.Workspaces;

/// <summary><c>outpost restart NAME</c>: a stop build, followed to its end, then a start build.</summary>
internal static class RestartCommand
{
    public static Command Create(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "The workspace's name." };
        var build = new BuildOptions();
        var command = new Command("restart", "Stop a workspace, then start it again and wait for its agents.") { name };
        build.AddTo(command);
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context,
            (client, ct) => RunAsync(context, client, result.GetValue(name)!, build.Read(result), ct), cancellationToken));
        return command;
    }

    /// <summary>The verb's body, also what the workflow method <c>outpost/workspace restart</c> runs.</summary>
    internal static async Task<int> RunAsync(CliContext context, AuthenticatedClient client, string name, BuildFlags flags, CancellationToken ct)
    {
        var workspace = await client.Api.GetWorkspaceByNameAsync("me", name, ct).ConfigureAwait(false);
        var runner = new WorkspaceBuildRunner(context, client, workspace);
        if (workspace.Status is not (WorkspaceStatus.Stopped or WorkspaceStatus.Failed or WorkspaceStatus.Canceled))
        {
            // The start can only be queued once the stop has finished, so the stop is always followed.
            var stopped = await runner.RunAsync("restart", new CreateWorkspaceBuildRequest { Transition = WorkspaceTransition.Stop, Reason = BuildReason.Cli },
                BuildOperation.Plain, flags with { NoWait = false }, ct).ConfigureAwait(false);
            if (stopped != ExitCodes.Success)
            {
                return stopped;
            }
        }

        return await runner.RunAsync("restart", new CreateWorkspaceBuildRequest { Transition = WorkspaceTransition.Start, Reason = BuildReason.Cli },
            BuildOperation.Start, flags with { WaitForBusy = false }, ct).ConfigureAwait(false);
    }
}
