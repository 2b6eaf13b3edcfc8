using System.CommandLine;
using System.Globalization;
using Outpost.Cli.Hosting;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Templates;

namespace Outpost.Cli.Workspaces;

/// <summary><c>outpost logs NAME [--build N] [--follow]</c>: a build's logs on stdout.</summary>
internal static class LogsCommand
{
    public static Command Create(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "The workspace's name." };
        var number = new Option<int?>("--build", "-b") { Description = "The build number (default: the latest build)." };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing lines: until the build finishes, or for --agents until Ctrl-C." };
        var agents = new Option<bool>("--agents") { Description = "The agents' script output instead of the build's logs." };
        var command = new Command("logs", "Print a build's logs, or its agents' script output.") { name, number, follow, agents };
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context, async (client, ct) =>
        {
            var workspace = await client.Api.GetWorkspaceByNameAsync("me", result.GetValue(name)!, ct).ConfigureAwait(false);
            if (result.GetValue(agents))
            {
                return await AgentLogs.PrintAsync(context, client.Api, workspace, result.GetValue(follow), ct).ConfigureAwait(false);
            }

            var build = workspace.LatestBuild;
            if (result.GetValue(number) is { } wanted && wanted != build.BuildNumber)
            {
                var builds = await client.Api.ListWorkspaceBuildsAsync(workspace.Id, ct).ConfigureAwait(false);
                var found = builds.Find(b => b.BuildNumber == wanted);
                if (found is null)
                {
                    await context.Error.WriteLineAsync($"error: {workspace.Name} has no build #{wanted}; its builds are #1 to #{build.BuildNumber}").ConfigureAwait(false);
                    return ExitCodes.Usage;
                }

                build = found;
            }

            var active = build.Job.Status.IsActive();
            var lines = result.GetValue(follow) && active
                ? client.Api.FollowBuildLogsAsync(build.Id, ct)
                : (await client.Api.ListBuildLogsAsync(build.Id, ct).ConfigureAwait(false)).ToAsyncEnumerable();
            await foreach (var log in lines.ConfigureAwait(false))
            {
                await context.Out.WriteLineAsync(Format(log)).ConfigureAwait(false);
            }

            if (result.GetValue(follow) && !active)
            {
                await context.Error.WriteLineAsync($"Build #{build.BuildNumber} already finished ({WireName.Of(build.Job.Status)}); nothing more will come.").ConfigureAwait(false);
            }

            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    public static string Format(ProvisionerJobLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var time = log.CreatedAt.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture);
        return log.Stage.Length > 0 ? $"{time} [{log.Stage}] {log.Output}" : $"{time} {log.Output}";
    }
}
