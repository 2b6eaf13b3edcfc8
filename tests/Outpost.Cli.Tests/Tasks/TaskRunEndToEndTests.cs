using System.Text.Json;
using Outpost.Sdk.Tasks;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Tasks;

/// <summary>
/// Issue 23 end to end: the real server, the real <c>outpost agent</c> running the coding loop, the fake provider at the
/// model boundary and the CLI. Each run stores its summary on the server; <c>tasks show</c> says how the last run ended;
/// <c>tasks export</c> has every run and incident, and the sanitized export none of the prompt or the model's output.
/// </summary>
public sealed class TaskRunEndToEndTests(LocalWorkspacesFixture server) : IClassFixture<LocalWorkspacesFixture>
{
    private const string Key = "sk-run-e2e-canary-4f2a";
    private const string PromptCanary = "PROMPT-CANARY-e2e-61b0";
    private const string OutputCanary = "OUTPUT-CANARY-e2e-d93c";

    [Fact]
    public async Task A_429_then_a_stopped_tool_then_a_success_are_three_runs_that_show_and_export_and_the_sanitized_export_has_no_content()
    {
        await using var provider = await FakeChatProvider.StartAsync(Key);
        provider.Enqueue(
            FakeTurn.Refuse(429, "Rate limit reached"),
            FakeTurn.ToolCall("run_command", $$"""{"command":"echo {{OutputCanary}} > begun; sleep 300"}"""),
            FakeTurn.Text(OutputCanary, " all good."));
        using var cli = new TestCli();
        await ReadyAsync(cli, provider);

        var create = await cli.RunAsync("tasks", "create", "--template", "ai-runs", "--prompt", PromptCanary + " do it", "--name", "airuns");
        Assert.True(create.ExitCode == 0, create.Stderr);

        // Run 1: the provider refuses the first request.
        await StatusAsync(cli, AiTaskStatus.Failed);
        var refused = await ShowAsync(cli);
        Assert.Equal(("request_setup_failure", "request_setup_failure"), (refused.LastRun!.Classification, refused.LastRun.Cause));

        // Run 2: the model runs a command; the user stops it while it runs.
        Assert.Equal(0, (await cli.RunAsync("tasks", "send", "airuns", "try again")).ExitCode);
        await provider.WaitForRequestAsync(2);
        await LogLineAsync(cli, "-> run_command:");
        Assert.Equal(0, (await cli.RunAsync("tasks", "stop", "airuns")).ExitCode);
        await WaitForRunAsync(cli, 2, r => r?.Classification == "known_lifecycle_close");
        var stopped = (await ShowAsync(cli)).LastRun!;
        Assert.Equal(("local_lifecycle_close", "task_stop", "tool_execution", "do_not_retry"), (stopped.Cause, stopped.CauseSubcategory, stopped.Phase, stopped.Recovery));
        var show = await cli.RunAsync("tasks", "show", "airuns");
        Assert.Contains("Last run:  The last run ended because the user stopped it (known_lifecycle_close, phase tool_execution)", show.Stdout, StringComparison.Ordinal);

        // Run 3: a follow-up completes.
        Assert.Equal(0, (await cli.RunAsync("tasks", "send", "airuns", "and now just answer")).ExitCode);
        await WaitForRunAsync(cli, 3, r => r?.Classification == "success");

        var full = await cli.RunAsync("tasks", "export", "airuns");
        Assert.True(full.ExitCode == 0, full.Stderr);
        var path = Path.Combine(Path.GetTempPath(), $"outpost-export-{Guid.NewGuid():N}.json");
        var sanitized = await cli.RunAsync("tasks", "export", "airuns", "--sanitize", "-o", path);
        Assert.True(sanitized.ExitCode == 0, sanitized.Stderr);
        var clean = await File.ReadAllTextAsync(path);
        File.Delete(path);

        using var export = JsonDocument.Parse(full.Stdout);
        var diagnostics = export.RootElement.GetProperty("diagnostics");
        Assert.Equal(3, diagnostics.GetProperty("run_observability").GetArrayLength());
        Assert.Equal(["request_setup_failure", "local_lifecycle_close"],
            diagnostics.GetProperty("run_incidents").EnumerateArray().Select(i => i.GetProperty("terminal_cause").GetProperty("category").GetString()));
        Assert.Contains(PromptCanary, full.Stdout, StringComparison.Ordinal);
        Assert.Contains(OutputCanary, full.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(PromptCanary, clean, StringComparison.Ordinal);
        Assert.DoesNotContain(OutputCanary, clean, StringComparison.Ordinal);
        Assert.DoesNotContain("airuns", clean, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, full.Stdout + clean, StringComparison.Ordinal);
        using var cleanExport = JsonDocument.Parse(clean);
        Assert.Equal(3, cleanExport.RootElement.GetProperty("diagnostics").GetProperty("run_observability").GetArrayLength());

        cli.Prompter = new ScriptedPrompter("yes");
        Assert.Equal(0, (await cli.RunAsync("tasks", "delete", "airuns")).ExitCode);
    }

    [Fact]
    public async Task A_workspace_stopped_mid_run_stores_a_run_closed_by_an_action_we_initiated()
    {
        await using var provider = await FakeChatProvider.StartAsync(Key);
        provider.Enqueue(FakeTurn.Text(OutputCanary).ThenStall());
        using var cli = new TestCli();
        await ReadyAsync(cli, provider, "ai-stops");
        var create = await cli.RunAsync("tasks", "create", "--template", "ai-stops", "--prompt", PromptCanary, "--name", "aistops");
        Assert.True(create.ExitCode == 0, create.Stderr);
        await LogLineAsync(cli, "assistant: " + OutputCanary, "aistops");

        var stop = await cli.RunAsync("stop", "aistops", "--yes", "--wait");
        Assert.True(stop.ExitCode == 0, stop.Stderr);

        await WaitForRunAsync(cli, 1, r => r is not null, "aistops");
        var run = (await ShowAsync(cli, "aistops")).LastRun!;
        // The local provisioner's signal races the server's shutdown message; the signal waits for the message, so the
        // run records the workspace stop, never just "the agent shut down".
        Assert.Equal(("local_instance_dispose", "local_lifecycle_close", "workspace_stop", "streaming", "do_not_retry"),
            (run.Classification, run.Cause, run.CauseSubcategory, run.Phase, run.Recovery));
        var clean = await cli.RunAsync("tasks", "export", "aistops", "--sanitize");
        Assert.DoesNotContain(OutputCanary, clean.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(PromptCanary, clean.Stdout, StringComparison.Ordinal);
        Assert.Contains($"\"lifecycle:{run.CauseSubcategory}:", clean.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Diagnose_says_the_ai_provider_dropped_the_stream_during_the_run_and_how_to_go_on()
    {
        await using var provider = await FakeChatProvider.StartAsync(Key);
        var textSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        provider.Enqueue(FakeTurn.Text(OutputCanary).ThenWaitFor(textSeen.Task).ThenReset());
        using var cli = new TestCli();
        await ReadyAsync(cli, provider, "ai-drops");
        var create = await cli.RunAsync("tasks", "create", "--template", "ai-drops", "--prompt", PromptCanary, "--name", "aidrops");
        Assert.True(create.ExitCode == 0, create.Stderr);

        // The reset comes once the text has reached the server (a reset may otherwise overtake the bytes before it).
        await LogLineAsync(cli, "assistant: " + OutputCanary, "aidrops");
        textSeen.SetResult();
        await WaitForRunAsync(cli, 1, r => r?.Classification == "external_stream_disconnect", "aidrops");

        var text = await cli.RunAsync("diagnose", "aidrops");
        Assert.True(text.ExitCode == ExitCodes.NeedsInvestigation, text.Stdout + text.Stderr);
        foreach (var kind in new[] { "task.run.started", "task.run.incident", "task.run.ended" })
        {
            Assert.Contains(kind, text.Stdout, StringComparison.Ordinal);
        }

        Assert.Matches(@"investigate  ai_provider  the AI provider dropped the stream during the run at \d\d:\d\d:\d\d \([a-z_, ]+, during text generation\); the run was classified external_stream_disconnect\n", text.Stdout);
        Assert.Contains("ask it to continue (`outpost tasks send <task> continue`)", text.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(PromptCanary, text.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(OutputCanary, text.Stdout, StringComparison.Ordinal);

        var json = await cli.RunAsync("diagnose", "aidrops", "--output", "json");
        using var report = JsonDocument.Parse(json.Stdout);
        var incident = Assert.Single(report.RootElement.GetProperty("incidents").EnumerateArray(), i => i.GetProperty("rule").GetString() == "task-run-provider-dropped");
        Assert.Equal(("investigate", "ai_provider"), (incident.GetProperty("verdict").GetString(), incident.GetProperty("side").GetString()));
    }

    private async Task ReadyAsync(TestCli cli, FakeChatProvider provider, string template = "ai-runs")
    {
        Assert.Equal(0, (await cli.RunAsync("login", server.BaseAddress.ToString(), "--email", ClockedServerFixture.OwnerEmail, "--password", ClockedServerFixture.OwnerPassword)).ExitCode);
        cli.Stdin = Key;
        var secret = await cli.RunAsync("secrets", "create", "openai", "--env", TaskApi.DefaultApiKeyVariable);
        cli.Stdin = null;

        // The class's other test may have made it already (the same key).
        Assert.True(secret.ExitCode == 0 || secret.Stderr.Contains("already", StringComparison.Ordinal), secret.Stderr);
        var directory = Directory.CreateTempSubdirectory("outpost-task-template-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory, "outpost.yaml"), $"""
                name: {template}
                agents:
                  - name: main
                    secrets:
                      - env: {TaskApi.DefaultApiKeyVariable}
                task:
                  agent: main
                  model_url: {provider.BaseUrl}
                  model: fake-model
                """);
            var push = await cli.RunAsync("templates", "push", template, "--directory", directory, "--yes");
            Assert.True(push.ExitCode == 0, push.Stderr);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<AiTask> ShowAsync(TestCli cli, string task = "airuns")
    {
        var show = await cli.RunAsync("tasks", "show", task, "--output", "json");
        Assert.True(show.ExitCode == 0, show.Stderr);
        return JsonSerializer.Deserialize(show.Stdout, TaskJsonContext.Default.AiTask)!;
    }

    /// <summary>Reads the task until it has <paramref name="status"/>, bounded.</summary>
    private static async Task StatusAsync(TestCli cli, AiTaskStatus status)
    {
        var deadline = DateTimeOffset.UtcNow + TestTimeouts.Default;
        while (true)
        {
            var task = await ShowAsync(cli);
            if (task.Status == status)
            {
                return;
            }

            Assert.True(DateTimeOffset.UtcNow < deadline, $"the task stayed {task.Status} ({task.StatusReason})");
            await Task.Delay(100);
        }
    }

    /// <summary>Reads the task's log until a line contains <paramref name="text"/>, bounded.</summary>
    private static async Task LogLineAsync(TestCli cli, string text, string task = "airuns")
    {
        var deadline = DateTimeOffset.UtcNow + TestTimeouts.Default;
        while (!(await cli.RunAsync("tasks", "logs", task)).Stdout.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, $"no log line with {text}");
            await Task.Delay(100);
        }
    }

    /// <summary>Reads the task until its <paramref name="runs"/>th run's outcome matches, bounded (the run count is the export's).</summary>
    private static async Task WaitForRunAsync(TestCli cli, int runs, Func<TaskRunOutcome?, bool> match, string name = "airuns")
    {
        var deadline = DateTimeOffset.UtcNow + TestTimeouts.Default;
        while (true)
        {
            var task = await ShowAsync(cli, name);
            var export = await cli.RunAsync("tasks", "export", name, "--sanitize");
            var stored = JsonDocument.Parse(export.Stdout).RootElement.GetProperty("diagnostics") is { } d && d.TryGetProperty("run_observability", out var list) ? list.GetArrayLength() : 0;
            if (stored >= runs && match(task.LastRun))
            {
                return;
            }

            Assert.True(DateTimeOffset.UtcNow < deadline, $"runs stored: {stored}; the last: {task.LastRun?.Sentence}");
            await Task.Delay(100);
        }
    }
}
