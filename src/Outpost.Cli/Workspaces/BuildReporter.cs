using System.CommandLine;
using System.Text.Json;
using Outpost.Cli.Hosting;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Workspaces;

namespace Outpost.Cli.Workspaces;

/// <summary>What the build verbs share: <c>--wait</c>, and how a queued or finished build is reported.</summary>
internal static class BuildReporter
{
    public static Option<bool> CreateWaitOption() =>
        new("--wait", "-w") { Description = "Follow the build's logs on stderr until it finishes; fail if it fails." };

    public static string Name<T>(T value) where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    /// <summary>Prints "name #N status" on stdout; with wait, follows the logs first and maps the outcome to an exit code.</summary>
    public static async Task<int> ReportAsync(CliContext context, AuthenticatedClient client, string workspace, WorkspaceBuild build, bool wait, CancellationToken cancellationToken)
    {
        if (!wait)
        {
            await context.Out.WriteLineAsync($"{workspace} #{build.BuildNumber} {Name(build.Transition)} {Name(build.Status)}").ConfigureAwait(false);
            await context.Error.WriteLineAsync($"Build #{build.BuildNumber} ({Name(build.Transition)}) is queued. Follow it with `outpost show {workspace}`.").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        await foreach (var log in client.Api.FollowBuildLogsAsync(build.Id, cancellationToken).ConfigureAwait(false))
        {
            await context.Error.WriteLineAsync(log.Stage.Length > 0 ? $"  [{log.Stage}] {log.Output}" : $"  {log.Output}").ConfigureAwait(false);
        }

        var done = await client.Api.GetWorkspaceBuildAsync(build.Id, cancellationToken).ConfigureAwait(false);
        await context.Out.WriteLineAsync($"{workspace} #{done.BuildNumber} {Name(done.Transition)} {Name(done.Status)}").ConfigureAwait(false);
        if (done.Job.Status == ProvisionerJobStatus.Succeeded)
        {
            return ExitCodes.Success;
        }

        await context.Error.WriteLineAsync($"error: build #{done.BuildNumber} {Name(done.Job.Status)}: {done.Job.Error}").ConfigureAwait(false);
        return ExitCodes.BuildFailed;
    }
}
