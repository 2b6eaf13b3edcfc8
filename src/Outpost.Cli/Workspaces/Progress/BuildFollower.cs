using System.Threading.Channels;
using Outpost.Cli.Hosting;
using Outpost.Cli.Workspaces.Monitoring;
using Outpost.Sdk;
using Outpost.Sdk.Client;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Templates;
using Outpost.Sdk.Workspaces;

namespace Outpost.Cli.Workspaces.Progress;

/// <summary>How a verb waits on its build.</summary>
/// <param name="WaitForAgents">After a successful start build, wait until every agent is connected and ready.</param>
/// <param name="CancelOnInterrupt">Ctrl-C cancels the build instead of only stopping the wait.</param>
internal readonly record struct FollowOptions(bool WaitForAgents, bool CancelOnInterrupt);

/// <summary>
/// Follows one build to its end with a live <see cref="ProgressView"/> (the workspace watch gives the
/// status, the log stream the tail, a clock the elapsed time), then waits for the agents; maps the
/// outcome to an exit code. Ctrl-C stops the waiting, never the build, unless asked to.
/// </summary>
internal sealed class BuildFollower(CliContext context, OutpostApiClient api, WorkspaceMonitor monitor)
{
    public const int FailedLogLines = 10;

    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    public async Task<int> FollowAsync(WorkspaceBuild build, FollowOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(build);
        var view = new ProgressView(context.Error, context.ErrorIsTerminal, context.Colour, context.Time);
        var title = $"{monitor.WorkspaceName} build #{build.BuildNumber} ({WireName.Of(build.Transition)})";
        await view.BeginAsync(title).ConfigureAwait(false);
        WorkspaceBuild done;
        try
        {
            done = await RunBuildAsync(build, view, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return await InterruptedAsync(build, view, options.CancelOnInterrupt).ConfigureAwait(false);
        }

        await context.Out.WriteLineAsync($"{monitor.Current.Name} #{done.BuildNumber} {WireName.Of(done.Transition)} {WireName.Of(done.Status)}").ConfigureAwait(false);
        if (done.Job.Status != ProvisionerJobStatus.Succeeded)
        {
            return await FailedAsync(done, view, cancellationToken).ConfigureAwait(false);
        }

        await view.EndAsync(view.Green($"{title} succeeded in {ProgressView.Seconds(view.Elapsed)}.")).ConfigureAwait(false);
        if (!options.WaitForAgents || done.Transition != WorkspaceTransition.Start)
        {
            return ExitCodes.Success;
        }

        try
        {
            return await WaitForAgentsAsync(view, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await context.Error.WriteLineAsync($"Interrupted: stopped waiting for the agents; {monitor.WorkspaceName} is running and they keep starting.").ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }
    }

    private async Task<WorkspaceBuild> RunBuildAsync(WorkspaceBuild build, ProgressView view, CancellationToken cancellationToken)
    {
        using var pumps = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var events = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
        var producers = new List<Task>
        {
            PumpAsync(events.Writer, () => api.FollowBuildLogsAsync(build.Id, pumps.Token), failuresMatter: false, pumps.Token),
            PumpAsync(events.Writer, () => monitor.WatchAsync(pumps.Token), failuresMatter: true, pumps.Token),
        };
        if (context.ErrorIsTerminal)
        {
            producers.Add(TickAsync(events.Writer, pumps.Token));
        }

        try
        {
            await foreach (var item in events.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                switch (item)
                {
                    case ProvisionerJobLog log:
                        await view.LogAsync(log).ConfigureAwait(false);
                        break;
                    case Workspace workspace:
                        await view.StatusAsync(workspace.Status).ConfigureAwait(false);
                        if (workspace.LatestBuild.Id == build.Id && workspace.LatestBuild.Job.Status.IsTerminal())
                        {
                            return workspace.LatestBuild;
                        }

                        break;
                    case Exception failure:
                        throw failure;
                    default:
                        await view.TickAsync().ConfigureAwait(false);
                        break;
                }
            }

            throw new InvalidOperationException("The workspace watch ended before the build did.");
        }
        finally
        {
            await pumps.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(producers).ConfigureAwait(false);
        }
    }

    /// <summary>Copies a stream into the channel; the watch's failures end the wait, the log stream's only lose lines.</summary>
    private static async Task PumpAsync<T>(ChannelWriter<object> writer, Func<IAsyncEnumerable<T>> source, bool failuresMatter, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            await foreach (var item in source().ConfigureAwait(false))
            {
                await writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // Handed to the reader, which decides; a pump must not fault unobserved.
        catch (Exception e) when (failuresMatter)
        {
            writer.TryWrite(e);
        }
        catch (Exception) when (!failuresMatter)
        {
        }
#pragma warning restore CA1031
    }

    private async Task TickAsync(ChannelWriter<object> writer, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(Tick, context.Time, cancellationToken).ConfigureAwait(false);
                await writer.WriteAsync(Tick, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task<int> FailedAsync(WorkspaceBuild done, ProgressView view, CancellationToken cancellationToken)
    {
        var verdict = $"build #{done.BuildNumber} {WireName.Of(done.Job.Status)}";
        await view.EndAsync(view.Red($"{monitor.WorkspaceName} {verdict} after {ProgressView.Seconds(view.Elapsed)}.")).ConfigureAwait(false);
        var logs = await api.ListBuildLogsAsync(done.Id, cancellationToken).ConfigureAwait(false);
        if (logs.Count > 0)
        {
            await context.Error.WriteLineAsync($"The last {Math.Min(FailedLogLines, logs.Count)} log lines:").ConfigureAwait(false);
            foreach (var log in logs.TakeLast(FailedLogLines))
            {
                await context.Error.WriteLineAsync(log.Stage.Length > 0 ? $"  [{log.Stage}] {log.Output}" : $"  {log.Output}").ConfigureAwait(false);
            }
        }

        await context.Error.WriteLineAsync($"error: {verdict}: {done.Job.Error ?? "no error was recorded"}").ConfigureAwait(false);
        await context.Error.WriteLineAsync($"All its logs: outpost logs {monitor.Current.Name} --build {done.BuildNumber}").ConfigureAwait(false);
        return ExitCodes.BuildFailed;
    }

    private async Task<int> InterruptedAsync(WorkspaceBuild build, ProgressView view, bool cancelBuild)
    {
        var what = $"build #{build.BuildNumber} ({WireName.Of(build.Transition)})";
        if (!cancelBuild)
        {
            await view.EndAsync($"Interrupted: stopped waiting. {what} goes on; follow it with `outpost watch {monitor.Current.Name}`.").ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }

        // The command's token is canceled; the cancel request gets its own short deadline.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10), context.Time);
        try
        {
            var canceled = await api.CancelWorkspaceBuildAsync(build.Id, deadline.Token).ConfigureAwait(false);
            await view.EndAsync($"Interrupted: {what} is {WireName.Of(canceled.Job.Status)}.").ConfigureAwait(false);
        }
        catch (OutpostApiException e)
        {
            await view.EndAsync($"Interrupted: {what} could not be canceled: {e.Message}").ConfigureAwait(false);
        }

        return ExitCodes.Interrupted;
    }

    private async Task<int> WaitForAgentsAsync(ProgressView view, CancellationToken cancellationToken)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        var announced = false;
        // The watch pushes every agent connection and lifecycle change, and re-reads on its own
        // quiet-interval timer (which is how a connection timeout shows up); no polling of /agents.
        await foreach (var snapshot in monitor.WatchAsync(cancellationToken).ConfigureAwait(false))
        {
            var agents = snapshot.Resources is { } resources
                ? [.. resources.SelectMany(resource => resource.Agents)]
                : await monitor.RefreshAgentsAsync(cancellationToken).ConfigureAwait(false);
            var now = context.Time.GetUtcNow();
            if (agents.Count == 0)
            {
                return ExitCodes.Success;
            }

            if (!announced)
            {
                announced = true;
                await view.NoteAsync($"Waiting for {(agents.Count == 1 ? "the agent" : $"{agents.Count} agents")} to be ready (--no-wait skips this; Ctrl-C stops waiting)…").ConfigureAwait(false);
            }

            foreach (var agent in agents)
            {
                var state = $"{WireName.Of(AgentReadiness.StatusOf(agent, now))}, {WireName.Of(agent.LifecycleState)}";
                if (!seen.TryGetValue(agent.Name, out var before) || before != state)
                {
                    seen[agent.Name] = state;
                    await view.NoteAsync($"  agent {agent.Name}: {state}").ConfigureAwait(false);
                }

                if (AgentReadiness.WhyNotComing(agent, now) is { } why)
                {
                    await context.Error.WriteLineAsync($"error: {why}").ConfigureAwait(false);
                    return ExitCodes.AgentsNotReady;
                }
            }

            if (agents.All(a => AgentReadiness.IsReady(a, now)))
            {
                foreach (var warning in agents.Select(AgentReadiness.Warning).OfType<string>())
                {
                    await context.Error.WriteLineAsync($"warning: {warning}").ConfigureAwait(false);
                }

                await context.Error.WriteLineAsync(view.Green($"{monitor.WorkspaceName} is ready ({ProgressView.Seconds(view.Elapsed)}).")).ConfigureAwait(false);
                return ExitCodes.Success;
            }
        }

        throw new InvalidOperationException("The workspace watch ended before the agents were ready.");
    }
}
