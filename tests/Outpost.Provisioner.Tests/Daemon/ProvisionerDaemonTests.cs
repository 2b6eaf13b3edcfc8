using Outpost.Provisioner.Daemon;
using Outpost.Sdk.Client;
using Outpost.Sdk.Provisioning;
using Outpost.Testing;

namespace Outpost.Provisioner.Tests.Daemon;

public sealed class ProvisionerDaemonTests
{
    [Fact]
    public async Task Runs_jobs_one_at_a_time_completes_each_with_the_provisioners_result_and_takes_the_next_with_it()
    {
        await using var harness = new DaemonHarness();
        var jobs = new[] { DaemonHarness.ImportJob(), DaemonHarness.BuildJob(), DaemonHarness.ImportJob() };
        foreach (var job in jobs)
        {
            harness.Client.Enqueue(job);
        }

        _ = harness.Start();
        var results = new List<JobResult>();
        for (var i = 0; i < jobs.Length; i++)
        {
            results.Add(await harness.NextResultAsync());
        }

        Assert.Equal(jobs.Select(job => job.JobId), results.Select(result => result.JobId));
        Assert.All(results, result => Assert.Null(result.Fail));
        Assert.NotNull(results[0].Complete!.TemplateImport);
        Assert.Equal([1, 2, 3], results[1].Complete!.WorkspaceBuild!.State);
        Assert.Equal(1, harness.Client.MaxActive);
        // Each completion asks for the next job (acquire_next): the first job came from acquire,
        // the other two with the completion before them, and ran without another acquire.
        Assert.All(results, result => Assert.Equal(harness.Options.Name, result.Complete!.AcquireNext!.DaemonName));
        Assert.Equal(2, harness.Client.HandedOverWithCompletion);
    }

    [Fact]
    public async Task A_stopping_daemon_does_not_ask_for_the_next_job_when_it_completes_the_current_one()
    {
        await using var harness = new DaemonHarness();
        var release = new TaskCompletionSource();
        harness.Provisioner.BlockUntil(release.Task);
        harness.Client.Enqueue(DaemonHarness.BuildJob());
        harness.Client.Enqueue(DaemonHarness.BuildJob());
        var run = harness.Start();
        await harness.Provisioner.Started.WithTimeout(TestTimeouts.Short);

        harness.Stop();
        release.SetResult();

        Assert.Null((await harness.NextResultAsync()).Complete!.AcquireNext);
        Assert.Null((await run.WithTimeout(TestTimeouts.Short)).Error);
        Assert.Equal(0, harness.Client.HandedOverWithCompletion);
        Assert.False(harness.Client.Results.Reader.TryRead(out _));
    }

    [Fact]
    public async Task Sends_a_heartbeat_every_interval_while_the_provisioner_is_silent()
    {
        await using var harness = new DaemonHarness();
        var release = new TaskCompletionSource();
        harness.Provisioner.BlockUntil(release.Task);
        harness.Client.Enqueue(DaemonHarness.BuildJob());
        _ = harness.Start();
        await harness.Provisioner.Started.WithTimeout(TestTimeouts.Short);

        // The daemon's own "picked up" line goes out after the flush delay.
        harness.Clock.Advance(harness.Options.LogFlushDelay);
        await harness.Client.WaitForUpdatesAsync(1).WithTimeout(TestTimeouts.Short);
        Assert.Contains("picked up the job", Assert.Single(harness.Client.Updates[0].Logs).Output, StringComparison.Ordinal);

        harness.Clock.Advance(harness.Options.HeartbeatInterval);
        await harness.Client.WaitForUpdatesAsync(2).WithTimeout(TestTimeouts.Short);
        harness.Clock.Advance(harness.Options.HeartbeatInterval);
        await harness.Client.WaitForUpdatesAsync(3).WithTimeout(TestTimeouts.Short);
        Assert.Empty(harness.Client.Updates[1].Logs);
        Assert.Empty(harness.Client.Updates[2].Logs);

        release.SetResult();
        Assert.NotNull((await harness.NextResultAsync()).Complete);
    }

    [Fact]
    public async Task A_full_batch_of_log_lines_is_sent_without_waiting_for_the_flush_delay()
    {
        await using var harness = new DaemonHarness();
        var release = new TaskCompletionSource();
        harness.Provisioner.Run = async (log, ct) =>
        {
            for (var i = 0; i < harness.Options.LogBatchSize; i++)
            {
                log.Info("Planning", $"line {i}");
            }

            await release.Task.WaitAsync(ct);
        };
        harness.Client.Enqueue(DaemonHarness.BuildJob());
        _ = harness.Start();

        // No clock movement at all: the batch size alone triggers the send.
        await harness.Client.WaitForUpdatesAsync(1).WithTimeout(TestTimeouts.Short);
        Assert.True(harness.Client.Updates[0].Logs.Count >= harness.Options.LogBatchSize - 1);

        release.SetResult();
        await harness.NextResultAsync();
        var lines = harness.Client.LogLines.Where(line => line.Source == ProvisionerLogSource.Provisioner).Select(line => line.Output);
        Assert.Equal(Enumerable.Range(0, harness.Options.LogBatchSize).Select(i => $"line {i}"), lines);
    }

    [Fact]
    public async Task A_single_log_line_is_sent_within_the_flush_delay_and_every_line_before_the_result()
    {
        await using var harness = new DaemonHarness();
        var release = new TaskCompletionSource();
        var written = new TaskCompletionSource();
        harness.Provisioner.Run = async (log, ct) =>
        {
            log.Info("Planning", "first");
            written.SetResult();
            await release.Task.WaitAsync(ct);
            log.Info("Applying", "last");
        };
        harness.Client.Enqueue(DaemonHarness.BuildJob());
        _ = harness.Start();
        await written.Task.WithTimeout(TestTimeouts.Short);

        harness.Clock.Advance(harness.Options.LogFlushDelay);
        await harness.Client.WaitForUpdatesAsync(1).WithTimeout(TestTimeouts.Short);
        Assert.Contains(harness.Client.Updates[0].Logs, line => line.Output == "first" && line.Stage == "Planning");

        release.SetResult();
        await harness.NextResultAsync();
        Assert.Equal("last", harness.Client.LogLines.Last().Output);
    }

    [Fact]
    public async Task A_flood_of_output_is_bounded_and_the_dropped_lines_are_counted_in_the_log()
    {
        var unblockUpdates = new TaskCompletionSource();
        await using var harness = new DaemonHarness(options => options with { MaxBufferedLines = 200 });
        harness.Client.UpdateGate = unblockUpdates.Task;
        var written = new TaskCompletionSource();
        harness.Provisioner.Run = (log, _) =>
        {
            for (var i = 0; i < 5000; i++)
            {
                log.Info("Applying", $"line {i}");
            }

            written.SetResult();
            return Task.CompletedTask;
        };
        harness.Client.Enqueue(DaemonHarness.BuildJob());
        _ = harness.Start();
        await written.Task.WithTimeout(TestTimeouts.Short);

        unblockUpdates.SetResult();
        Assert.NotNull((await harness.NextResultAsync()).Complete);
        var lines = harness.Client.LogLines.ToList();
        var markers = lines.Where(line => line.Output.Contains("log lines dropped", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(markers);
        Assert.All(markers, marker => Assert.Equal(ProvisionerLogSource.ProvisionerDaemon, marker.Source));
        // At most the batch in flight while updates were held, plus the bounded buffer behind it.
        var kept = lines.Count(line => line.Source == ProvisionerLogSource.Provisioner);
        Assert.True(kept <= 2 * harness.Options.MaxBufferedLines, $"{kept} lines were kept");
        var dropped = markers.Sum(marker => long.Parse(marker.Output.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(5000, kept + dropped);
    }

    [Fact]
    public async Task A_cancel_answered_by_a_heartbeat_stops_the_provisioner_and_fails_the_job_as_canceled()
    {
        await using var harness = new DaemonHarness();
        var observedCancel = new TaskCompletionSource();
        harness.Provisioner.Run = async (_, ct) =>
        {
            await using var registration = ct.Register(observedCancel.SetResult);
            await Task.Delay(Timeout.Infinite, ct);
        };
        harness.Client.Enqueue(DaemonHarness.BuildJob());
        _ = harness.Start();
        await harness.Provisioner.Started.WithTimeout(TestTimeouts.Short);

        harness.Client.CancelRequested = true;
        harness.Clock.Advance(harness.Options.HeartbeatInterval);

        await observedCancel.Task.WithTimeout(TestTimeouts.Short);
        var failure = (await harness.NextResultAsync()).Fail!;
        Assert.Equal(ProvisionerDaemon.CanceledMessage, failure.Error);
        Assert.Equal(ProvisionerErrorCodes.Canceled, failure.ErrorCode);
    }

    [Fact]
    public async Task A_failed_apply_sends_the_state_it_left_with_the_failure()
    {
        await using var harness = new DaemonHarness();
        harness.Provisioner.ApplyRun = _ => Task.FromResult(ProvisionerResult<WorkspaceBuildResult>.Fail("terraform apply failed", ProvisionerErrorCodes.ApplyFailed, [7, 7]));
        harness.Client.Enqueue(DaemonHarness.BuildJob());
        _ = harness.Start();

        var failure = (await harness.NextResultAsync()).Fail!;

        Assert.Equal((ProvisionerErrorCodes.ApplyFailed, "terraform apply failed"), (failure.ErrorCode, failure.Error));
        Assert.Equal([7, 7], failure.State);
    }

    [Fact]
    public async Task A_canceled_apply_sends_the_state_it_left_with_the_canceled_failure()
    {
        await using var harness = new DaemonHarness();
        var applying = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Provisioner.ApplyRun = async ct =>
        {
            // Like terraform on SIGINT: the apply stops, and what it created so far is in the state it wrote.
            var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await using var registration = ct.Register(stopped.SetResult);
            applying.SetResult();
            await stopped.Task;
            return ProvisionerResult<WorkspaceBuildResult>.Fail("terraform apply was interrupted", ProvisionerErrorCodes.ApplyFailed, [9]);
        };
        harness.Client.Enqueue(DaemonHarness.BuildJob());
        _ = harness.Start();
        await applying.Task.WithTimeout(TestTimeouts.Short);

        harness.Client.CancelRequested = true;
        harness.Clock.Advance(harness.Options.HeartbeatInterval);

        var failure = (await harness.NextResultAsync()).Fail!;
        Assert.Equal(ProvisionerErrorCodes.Canceled, failure.ErrorCode);
        Assert.Equal([9], failure.State);
    }

    [Fact]
    public async Task A_plan_that_is_not_applied_is_discarded_and_its_failure_carries_no_state()
    {
        await using var harness = new DaemonHarness();
        harness.Provisioner.PlannedAgents =
        [
            new PlannedAgentEnvironment("main", "outpost_agent.main", [new("DUP", "1", "error"), new("DUP", "2", "error")], new Dictionary<string, string>()),
        ];
        harness.Client.Enqueue(DaemonHarness.BuildJob());
        _ = harness.Start();

        var failure = (await harness.NextResultAsync()).Fail!;

        Assert.Equal(ProvisionerErrorCodes.EnvMerge, failure.ErrorCode);
        Assert.Null(failure.State);
        Assert.Equal((1, 0), (harness.Provisioner.Discards, harness.Provisioner.Applies));
    }

    [Fact]
    public async Task An_exception_in_the_provisioner_fails_the_job_with_its_message_and_no_stack_trace()
    {
        await using var harness = new DaemonHarness();
        harness.Provisioner.Run = (_, _) => throw new InvalidOperationException("the disk is full");
        harness.Client.Enqueue(DaemonHarness.BuildJob());
        _ = harness.Start();

        var failure = (await harness.NextResultAsync()).Fail!;
        Assert.Equal("the disk is full", failure.Error);
        Assert.Equal(ProvisionerErrorCodes.ProvisionerError, failure.ErrorCode);
        Assert.Contains(harness.Client.LogLines, line => line.Level == ProvisionerLogLevel.Error && line.Output.EndsWith("the disk is full", StringComparison.Ordinal));
        Assert.DoesNotContain(harness.Client.LogLines, line => line.Output.Contains(" at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_stopping_daemon_lets_the_current_job_finish_within_the_grace_period()
    {
        await using var harness = new DaemonHarness();
        var release = new TaskCompletionSource();
        harness.Provisioner.BlockUntil(release.Task);
        harness.Client.Enqueue(DaemonHarness.BuildJob());
        var run = harness.Start();
        await harness.Provisioner.Started.WithTimeout(TestTimeouts.Short);

        harness.Stop();
        harness.Clock.Advance(harness.Options.ShutdownGracePeriod / 2);
        Assert.False(run.IsCompleted);
        release.SetResult();

        Assert.NotNull((await harness.NextResultAsync()).Complete);
        Assert.Null((await run.WithTimeout(TestTimeouts.Short)).Error);
        Assert.Contains(harness.Client.LogLines, line => line.Output.Contains("shutting down", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_job_still_running_when_the_grace_period_ends_is_canceled_and_failed_with_the_reason()
    {
        await using var harness = new DaemonHarness();
        harness.Provisioner.Run = (_, ct) => Task.Delay(Timeout.Infinite, ct);
        harness.Client.Enqueue(DaemonHarness.BuildJob());
        var run = harness.Start();
        await harness.Provisioner.Started.WithTimeout(TestTimeouts.Short);

        harness.Stop();
        harness.Clock.Advance(harness.Options.ShutdownGracePeriod);

        var failure = (await harness.NextResultAsync()).Fail!;
        Assert.Equal(ProvisionerDaemon.ShutdownMessage, failure.Error);
        Assert.Equal(ProvisionerErrorCodes.DaemonShutdown, failure.ErrorCode);
        await run.WithTimeout(TestTimeouts.Short);
    }

    [Fact]
    public async Task A_provisioner_that_ignores_cancellation_does_not_hold_the_job_or_the_shutdown()
    {
        await using var harness = new DaemonHarness();
        harness.Provisioner.Run = (_, _) => new TaskCompletionSource().Task;
        harness.Client.Enqueue(DaemonHarness.BuildJob());
        var run = harness.Start();
        await harness.Provisioner.Started.WithTimeout(TestTimeouts.Short);

        harness.Stop();
        harness.Clock.Advance(harness.Options.ShutdownGracePeriod);
        harness.Clock.Advance(harness.Options.CancelGracePeriod);

        var failure = (await harness.NextResultAsync()).Fail!;
        Assert.Equal(ProvisionerDaemon.ShutdownMessage, failure.Error);
        Assert.Contains(harness.Client.LogLines, line => line.Output.Contains("did not stop within 30 s", StringComparison.Ordinal));
        await run.WithTimeout(TestTimeouts.Short);
    }

    [Fact]
    public async Task Transient_errors_on_acquire_heartbeat_and_result_are_retried_without_losing_lines()
    {
        await using var harness = new DaemonHarness();
        harness.Client.AcquireFailure = call => call <= 2 ? new HttpRequestException("connection refused") : null;
        harness.Client.UpdateFailure = call => call == 1 ? new OutpostApiException(503, "the server is restarting") : null;
        harness.Client.ResultFailure = call => call == 1 ? new TimeoutException("no answer") : null;
        harness.Provisioner.Run = (log, _) =>
        {
            log.Info("Applying", "only line");
            return Task.CompletedTask;
        };
        harness.Client.Enqueue(DaemonHarness.BuildJob());
        _ = harness.Start();

        Assert.NotNull((await harness.NextResultAsync()).Complete);
        Assert.Single(harness.Client.LogLines, line => line.Output == "only line");
    }

    [Fact]
    public async Task A_refused_key_ends_the_run_with_the_servers_explanation()
    {
        await using var harness = new DaemonHarness();
        harness.Client.AcquireFailure = _ => new OutpostApiException(401, "the provisioner key is not valid");

        var exit = await harness.Start().WithTimeout(TestTimeouts.Short);

        Assert.Equal("the provisioner key is not valid", exit.Error);
        Assert.Equal(401, exit.StatusCode);
    }

    [Fact]
    public async Task A_job_the_server_took_back_is_stopped_and_not_reported()
    {
        await using var harness = new DaemonHarness();
        var observedCancel = new TaskCompletionSource();
        harness.Provisioner.Run = async (_, ct) =>
        {
            await using var registration = ct.Register(observedCancel.SetResult);
            await Task.Delay(Timeout.Infinite, ct);
        };
        harness.Client.UpdateFailure = _ => new OutpostApiException(409, "you don't own this job");
        harness.Client.Enqueue(DaemonHarness.BuildJob());
        _ = harness.Start();
        await harness.Provisioner.Started.WithTimeout(TestTimeouts.Short);

        harness.Clock.Advance(harness.Options.HeartbeatInterval);
        await observedCancel.Task.WithTimeout(TestTimeouts.Short);

        // The next job is still taken and reported: the daemon carried on.
        harness.Provisioner.Run = (_, _) => Task.CompletedTask;
        harness.Client.UpdateFailure = _ => null;
        var next = DaemonHarness.ImportJob();
        harness.Client.Enqueue(next);
        var result = await harness.NextResultAsync();
        Assert.Equal(next.JobId, result.JobId);
    }

    [Fact]
    public async Task A_result_the_server_rejects_as_malformed_becomes_a_failure_with_its_reason()
    {
        await using var harness = new DaemonHarness();
        harness.Client.ResultFailure = call => call == 1 ? new OutpostApiException(400, "resources[0].name is empty") : null;
        harness.Client.Enqueue(DaemonHarness.BuildJob());
        _ = harness.Start();

        var failure = (await harness.NextResultAsync()).Fail!;
        Assert.Equal("the server refused the build's result: resources[0].name is empty", failure.Error);
        Assert.Equal("result_refused", failure.ErrorCode);
    }

    [Fact]
    public async Task A_result_the_server_failed_itself_is_not_reported_again()
    {
        await using var harness = new DaemonHarness();
        harness.Client.ResultFailure = call => call == 1 ? new OutpostApiException(422, "the build was failed instead of completed: duplicate env var") : null;
        harness.Client.Enqueue(DaemonHarness.BuildJob());
        var next = DaemonHarness.ImportJob();
        harness.Client.Enqueue(next);
        _ = harness.Start();

        // The first job's only report was the refused one; the next result is the next job's.
        Assert.Equal(next.JobId, (await harness.NextResultAsync()).JobId);
    }

    [Fact]
    public async Task A_job_for_a_provisioner_the_daemon_does_not_run_fails_with_a_clear_reason()
    {
        await using var harness = new DaemonHarness();
        harness.Client.Enqueue(DaemonHarness.BuildJob() with { Provisioner = "terraform" });
        _ = harness.Start();

        var failure = (await harness.NextResultAsync()).Fail!;
        Assert.Equal(ProvisionerErrorCodes.InvalidJob, failure.ErrorCode);
        Assert.Contains("\"terraform\"", failure.Error, StringComparison.Ordinal);
    }
}
