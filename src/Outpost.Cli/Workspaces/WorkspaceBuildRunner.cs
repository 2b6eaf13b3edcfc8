using Outpost.Cli.Hosting;
using Outpost.Cli.Workspaces.Monitoring;
using Outpost.Cli.Workspaces.Progress;
using Outpost.Sdk;
using Outpost.Sdk.Client;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Workspaces;
using Outpost.Telemetry.Workspaces;

namespace Outpost.Cli.Workspaces;

/// <summary>Which user operation a build is, for its telemetry span (spec §6.4).</summary>
internal enum BuildOperation
{
    Plain,
    Start,
    Update,
}

/// <summary>
/// Queues one build of a workspace and follows it: refuses (or with <c>--wait</c> outlasts) a build
/// already under way, wraps start and update in their spans, and hands the rest to <see cref="BuildFollower"/>.
/// </summary>
internal sealed class WorkspaceBuildRunner
{
    private readonly CliContext _context;
    private readonly AuthenticatedClient _client;

    public WorkspaceBuildRunner(CliContext context, AuthenticatedClient client, Workspace workspace)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        _client = client;
        Monitor = new WorkspaceMonitor(client.Api, workspace, context.Telemetry, context.Time, context.Error, context.Loggers.CreateLogger("Outpost.Cli.Workspaces"));
        Monitor.Observe(workspace);
    }

    public WorkspaceMonitor Monitor { get; }

    private BuildFollower Follower => new(_context, _client.Api, Monitor);

    /// <summary>Follows a build that is already queued (the first build of a new workspace).</summary>
    public Task<int> FollowAsync(WorkspaceBuild build, BuildFlags flags, CancellationToken cancellationToken) =>
        flags.NoWait ? QueuedAsync(build) : Follower.FollowAsync(build, flags.Follow(waitForAgents: true), cancellationToken);

    /// <summary>Queues a build and follows it unless <c>--no-wait</c>; <paramref name="verb"/> is how the user asked for it.</summary>
    public async Task<int> RunAsync(string verb, CreateWorkspaceBuildRequest request, BuildOperation operation, BuildFlags flags, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var latest = Monitor.Current.LatestBuild;
        if (latest.Job.Status.IsActive())
        {
            if (!flags.WaitForBusy)
            {
                return await BusyAsync(verb, latest).ConfigureAwait(false);
            }

            await _context.Error.WriteLineAsync($"{Monitor.WorkspaceName}: waiting for build #{latest.BuildNumber} ({WireName.Of(latest.Transition)}) to finish before the {verb}…").ConfigureAwait(false);
            var previous = await Follower.FollowAsync(latest, flags.Follow(waitForAgents: false), cancellationToken).ConfigureAwait(false);
            if (previous == ExitCodes.Interrupted)
            {
                return previous;
            }
        }

        // Watching begins before the build is triggered, so a build that ends at once still shows its states (issue 14 point 7).
        await using var early = flags.NoWait ? null : await Monitor.BeginWatchAsync(cancellationToken).ConfigureAwait(false);
        WorkspaceBuild build;
        try
        {
            build = await TraceAsync(operation, token => _client.Api.CreateWorkspaceBuildAsync(Monitor.Current.Id, request, token), cancellationToken).ConfigureAwait(false);
            Monitor.ObserveQueued(build);
        }
        catch (OutpostApiException e) when (e.Code == ProblemCodes.WorkspaceBusy)
        {
            // Another client queued a build between our read and our request.
            await _context.Error.WriteLineAsync($"error: {Monitor.WorkspaceName} is busy: {e.Message}.").ConfigureAwait(false);
            await _context.Error.WriteLineAsync($"Pass --wait to wait for it and then {verb}, or follow it with `outpost watch {Monitor.Current.Name}`.").ConfigureAwait(false);
            return ExitCodes.WorkspaceBusy;
        }

        return flags.NoWait
            ? await QueuedAsync(build).ConfigureAwait(false)
            : await Follower.FollowAsync(build, flags.Follow(waitForAgents: request.Transition == WorkspaceTransition.Start), cancellationToken).ConfigureAwait(false);
    }

    private Task<WorkspaceBuild> TraceAsync(BuildOperation operation, Func<CancellationToken, Task<WorkspaceBuild>> call, CancellationToken cancellationToken) => operation switch
    {
        BuildOperation.Start => WorkspaceOperationTelemetry.TraceStartAsync(_context.Telemetry, Monitor.WorkspaceName, call, cancellationToken),
        BuildOperation.Update => WorkspaceOperationTelemetry.TraceUpdateAsync(_context.Telemetry, Monitor.WorkspaceName, call, cancellationToken),
        _ => call(cancellationToken),
    };

    private async Task<int> BusyAsync(string verb, WorkspaceBuild latest)
    {
        await _context.Error.WriteLineAsync(
            $"error: {Monitor.WorkspaceName} is busy: build #{latest.BuildNumber} ({WireName.Of(latest.Transition)}) is still {WireName.Of(latest.Job.Status)}.").ConfigureAwait(false);
        await _context.Error.WriteLineAsync($"Pass --wait to wait for it and then {verb}, or follow it with `outpost watch {Monitor.Current.Name}`.").ConfigureAwait(false);
        return ExitCodes.WorkspaceBusy;
    }

    private async Task<int> QueuedAsync(WorkspaceBuild build)
    {
        await _context.Out.WriteLineAsync($"{Monitor.Current.Name} #{build.BuildNumber} {WireName.Of(build.Transition)} {WireName.Of(build.Status)}").ConfigureAwait(false);
        await _context.Error.WriteLineAsync($"Build #{build.BuildNumber} ({WireName.Of(build.Transition)}) is queued. Follow it with `outpost watch {Monitor.Current.Name}`.").ConfigureAwait(false);
        return ExitCodes.Success;
    }
}
