using Outpost.Sdk.Provisioning;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Workspaces;

public sealed class BuildProgressTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>, IDisposable
{
    private readonly WorkspaceTestBed _bed = new(server);

    public void Dispose() => _bed.Dispose();

    /// <summary>A workspace whose first build succeeded with no agents, then stopped: ready for a start.</summary>
    private async Task<TestCli> StoppedAsync(string template, string name)
    {
        var cli = await _bed.WithTemplateAsync(template);
        var daemon = _bed.Daemon;
        Assert.Equal(0, (await cli.RunAsync("create", name, "--template", template, "--no-wait")).ExitCode);
        await daemon.CompleteBuildAsync((await daemon.TryAcquireAsync(30))!, []);
        Assert.Equal(0, (await cli.RunAsync("stop", name, "--no-wait")).ExitCode);
        await daemon.CompleteBuildAsync((await daemon.TryAcquireAsync(30))!, []);
        return cli;
    }

    [Fact]
    public async Task A_failed_start_prints_its_last_log_lines_and_exits_with_the_build_code()
    {
        using var cli = await StoppedAsync("progress-fail", "failing");

        var start = cli.RunAsync("start", "failing");
        var job = await _bed.Daemon.TryAcquireAsync(30);
        if (job is null)
        {
            // Say what start did instead of failing on a null (seen when a follower's mark hid the job from the claim; fixed).
            var early = await start.WithTimeout();
            Assert.Fail($"no start build was handed out in 30 s; start exited {early.ExitCode}: {early.Stdout} {early.Stderr}");
        }

        await _bed.Daemon.UpdateAsync(job.JobId, [.. Enumerable.Range(1, 14).Select(i => $"step {i}")]);
        (await _bed.Daemon.FailAsync(job.JobId, "the disk is full")).Dispose();
        var run = await start.WithTimeout();
        var logs = await cli.RunAsync("logs", "failing");

        Assert.Equal(ExitCodes.BuildFailed, run.ExitCode);
        Assert.Equal("failing #3 start failed", run.Stdout.Trim());
        var tail = run.Stderr[run.Stderr.IndexOf("The last 10 log lines:", StringComparison.Ordinal)..];
        Assert.Contains("[Testing] step 14", tail, StringComparison.Ordinal);
        Assert.Contains("[Testing] step 5", tail, StringComparison.Ordinal);
        Assert.DoesNotContain("step 4\n", tail, StringComparison.Ordinal);
        Assert.Contains("error: build #3 failed: the disk is full", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(14, logs.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.EndsWith("[Testing] step 14", logs.Stdout.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ctrl_c_stops_waiting_and_the_build_goes_on()
    {
        using var cli = await StoppedAsync("progress-interrupt", "interrupted");
        using var ctrlC = new CancellationTokenSource();
        cli.Interrupt = ctrlC.Token;

        var start = cli.RunAsync("start", "interrupted");
        var job = await _bed.Daemon.TryAcquireAsync(30);
        await _bed.Daemon.UpdateAsync(job!.JobId, "working");
        await ctrlC.CancelAsync();
        var run = await start.WithTimeout();
        cli.Interrupt = CancellationToken.None;
        var show = await cli.RunAsync("show", "interrupted");

        Assert.Equal(ExitCodes.Interrupted, run.ExitCode);
        Assert.Contains("build #3 (start) goes on", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("Status:     starting", show.Stdout, StringComparison.Ordinal);
        await _bed.Daemon.CompleteBuildAsync(job, []);
    }

    [Fact]
    public async Task Ctrl_c_with_cancel_on_interrupt_cancels_the_build()
    {
        using var cli = await StoppedAsync("progress-cancel", "canceled");
        using var ctrlC = new CancellationTokenSource();
        cli.Interrupt = ctrlC.Token;

        var start = cli.RunAsync("start", "canceled", "--cancel-on-interrupt");
        var job = await _bed.Daemon.TryAcquireAsync(30);
        await _bed.Daemon.UpdateAsync(job!.JobId, "working");
        await ctrlC.CancelAsync();
        var run = await start.WithTimeout();
        var heartbeat = await _bed.Daemon.UpdateAsync(job.JobId, "still working");

        Assert.Equal(ExitCodes.Interrupted, run.ExitCode);
        Assert.Contains("build #3 (start) is canceling", run.Stderr, StringComparison.Ordinal);
        Assert.True(heartbeat.Canceled);
        (await _bed.Daemon.FailAsync(job.JobId, "canceled")).Dispose();
    }

    [Fact]
    public async Task A_start_waits_for_the_agents_and_reports_their_states()
    {
        using var cli = await StoppedAsync("progress-agents", "waiter");
        using var ctrlC = new CancellationTokenSource();
        cli.Interrupt = ctrlC.Token;

        var agentsRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var transport = new AgentsSeenTransport(new SocketsHttpHandler(), agentsRead);
        cli.WrapTransport = inner =>
        {
            inner.Dispose();
            return new NonDisposingHandler(transport);
        };

        var start = cli.RunAsync("start", "waiter");
        var job = await _bed.Daemon.TryAcquireAsync(30);
        await _bed.Daemon.CompleteBuildAsync(job!, [], new ProvisionedResource { Name = "workspace", Type = "local_workspace_directory", Agents = [new ProvisionedAgent { Name = "main" }] });
        await agentsRead.Task.WithTimeout();
        await ctrlC.CancelAsync();
        var run = await start.WithTimeout();
        var waiting = Assert.Single(cli.Events("workspace.agent.state_transitioned"));

        Assert.Equal(ExitCodes.Interrupted, run.ExitCode);
        Assert.Contains("succeeded in", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("Waiting for the agent to be ready", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("agent main: connecting, created", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("stopped waiting for the agents", run.Stderr, StringComparison.Ordinal);
        Assert.Equal("none", waiting.Properties["fromStatus"]);
        Assert.Equal("connecting", waiting.Properties["toStatus"]);
        Assert.Equal("created", waiting.Properties["toLifecycleState"]);
        Assert.Equal("owner/waiter", waiting.Properties["workspaceName"]);
    }

    [Fact]
    public async Task A_second_build_while_one_is_active_is_explained_and_wait_outlasts_it()
    {
        using var cli = await StoppedAsync("progress-busy", "busy");
        Assert.Equal(0, (await cli.RunAsync("start", "busy", "--no-wait")).ExitCode);

        var refused = await cli.RunAsync("stop", "busy");
        using var socket = new SocketsHttpHandler();
        var transport = new DroppingWatchTransport(socket) { Shared = true };
        cli.WrapTransport = inner =>
        {
            inner.Dispose();
            return transport;
        };
        var waited = cli.RunAsync("stop", "busy", "--wait", "--no-wait");

        // The start is completed only once the stop command watches it, so the stop always finds it active.
        await transport.WatchesOpened.WaitAsync().WithTimeout();
        await _bed.Daemon.CompleteBuildAsync((await _bed.Daemon.TryAcquireAsync(30))!, []);
        var run = await waited.WithTimeout();

        Assert.Equal(ExitCodes.WorkspaceBusy, refused.ExitCode);
        Assert.Contains("owner/busy is busy: build #3 (start) is still pending", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("Pass --wait", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("waiting for build #3 (start) to finish before the stop", run.Stderr, StringComparison.Ordinal);
        Assert.EndsWith("busy #4 stop pending", run.Stdout.Trim(), StringComparison.Ordinal);
        await _bed.Daemon.CompleteBuildAsync((await _bed.Daemon.TryAcquireAsync(30))!, []);
    }

    [Fact]
    public async Task Logs_follow_prints_an_active_builds_lines_on_stdout_until_it_ends()
    {
        using var cli = await StoppedAsync("progress-logs", "logged");
        Assert.Equal(0, (await cli.RunAsync("start", "logged", "--no-wait")).ExitCode);

        var follow = cli.RunAsync("logs", "logged", "--follow");
        var job = await _bed.Daemon.TryAcquireAsync(30);
        await _bed.Daemon.UpdateAsync(job!.JobId, "first", "second");
        await _bed.Daemon.CompleteBuildAsync(job, []);
        var run = await follow.WithTimeout();
        var unknown = await cli.RunAsync("logs", "logged", "--build", "9");

        Assert.Equal(0, run.ExitCode);
        Assert.Matches(@"^\d\d:\d\d:\d\d \[Testing\] first\n\d\d:\d\d:\d\d \[Testing\] second$", run.Stdout.Replace("\r\n", "\n", StringComparison.Ordinal).Trim());
        Assert.Equal(ExitCodes.Usage, unknown.ExitCode);
        Assert.Contains("has no build #9; its builds are #1 to #3", unknown.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Update_on_the_active_version_changes_nothing()
    {
        using var cli = await StoppedAsync("progress-current", "current");

        var update = await cli.RunAsync("update", "current");

        Assert.Equal(0, update.ExitCode);
        Assert.Contains("already on the active version", update.Stderr, StringComparison.Ordinal);
        Assert.Empty(cli.Events("workspace.update.triggered"));
    }

    /// <summary>
    /// Signals once the command has handled a watch event that carries the agents while waiting for
    /// them: its second watch (the first follows the build) asks for more after such an event, and
    /// the SSE reader asks for more only once the event before was handled.
    /// </summary>
    private sealed class AgentsSeenTransport(HttpMessageHandler inner, TaskCompletionSource seen) : DelegatingHandler(inner)
    {
        private int _watches;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (request.RequestUri?.AbsolutePath.EndsWith("/watch", StringComparison.Ordinal) != true || Interlocked.Increment(ref _watches) != 2)
            {
                return response;
            }

            var original = response.Content;
            var content = new StreamContent(new AgentsSeenStream(await original.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), seen));
            foreach (var header in original.Headers)
            {
                content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            response.Content = content;
            return response;
        }
    }

    private sealed class AgentsSeenStream(Stream inner, TaskCompletionSource seen) : ReadOnlyStreamWrapper(inner)
    {
        private bool _agentsRead;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_agentsRead)
            {
                seen.TrySetResult();
            }

            var read = await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            _agentsRead |= System.Text.Encoding.UTF8.GetString(buffer.Span[..read]).Contains("\"agents\":[{", StringComparison.Ordinal);
            return read;
        }
    }

    /// <summary>Shares one handler (and its request count) between the clients a run creates.</summary>
    private sealed class NonDisposingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override void Dispose(bool disposing)
        {
        }
    }
}
