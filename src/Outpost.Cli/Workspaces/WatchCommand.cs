using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Outpost.Cli.Hosting;
using Outpost.Sdk;

namespace Outpost.Cli.Workspaces;

/// <summary><c>outpost watch NAME</c>: one line (or JSON object) per change of the workspace, until Ctrl-C.</summary>
internal static class WatchCommand
{
    public static Command Create(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "The workspace's name." };
        var output = OutputFormat.CreateOption();
        var command = new Command("watch", "Print a workspace's changes as they happen, until Ctrl-C.") { name, output };
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context, async (client, ct) =>
        {
            var workspace = await client.Api.GetWorkspaceByNameAsync("me", result.GetValue(name)!, ct).ConfigureAwait(false);
            var json = result.GetValue(output) == OutputFormat.Json;
            var monitor = new WorkspaceBuildRunner(context, client, workspace).Monitor;
            (Guid Build, string Status, string Job)? last = null;
            try
            {
                await foreach (var snapshot in monitor.WatchAsync(ct).ConfigureAwait(false))
                {
                    var build = snapshot.LatestBuild;
                    var key = (build.Id, WireName.Of(snapshot.Status), WireName.Of(build.Job.Status));
                    if (last == key)
                    {
                        continue;
                    }

                    last = key;
                    await context.Out.WriteLineAsync(json
                        ? JsonSerializer.Serialize(snapshot, OutpostJsonContext.Default.Workspace)
                        : $"{context.Time.GetUtcNow().UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}  {monitor.WorkspaceName}  #{build.BuildNumber} {WireName.Of(build.Transition)}  {key.Item2}").ConfigureAwait(false);
                    await context.Out.FlushAsync(ct).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Ctrl-C is how a watch ends.
            }

            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }
}
