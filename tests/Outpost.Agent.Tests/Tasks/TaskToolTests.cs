using Outpost.Agent.Tasks.Tools;
using Outpost.Testing;

namespace Outpost.Agent.Tests.Tasks;

public sealed class TaskToolTests : IDisposable
{
    private readonly TempWorkspace _workspace = new();
    private readonly TaskToolset _tools = TaskToolset.Default();

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public void Every_tool_declares_its_effect()
    {
        Assert.Equal(
            [("read_file", ToolEffect.ReadOnly), ("list_directory", ToolEffect.ReadOnly), ("search_files", ToolEffect.ReadOnly),
             ("write_file", ToolEffect.FileWrite), ("edit_file", ToolEffect.FileWrite), ("run_command", ToolEffect.Shell), ("task_complete", ToolEffect.ReadOnly)],
            _tools.All.Select(t => (t.Name, t.Effect)));
    }

    [Fact]
    public async Task Write_then_read_then_list_then_search_stay_inside_the_workspace()
    {
        var written = await RunAsync("write_file", """{"path":"src/deep/hello.txt","content":"one\nneedle two\nthree"}""");
        Assert.False(written.IsError, written.Output);
        Assert.Equal("one\nneedle two\nthree", File.ReadAllText(_workspace.File("src/deep/hello.txt")));

        Assert.Equal("one\nneedle two\nthree", (await RunAsync("read_file", """{"path":"src/deep/hello.txt"}""")).Output);
        Assert.Equal("deep/\n", (await RunAsync("list_directory", """{"path":"src"}""")).Output);
        Assert.Equal("src/deep/hello.txt:2: needle two\n", (await RunAsync("search_files", """{"pattern":"needle"}""")).Output);
    }

    [Theory]
    [InlineData("read_file", """{"path":"../outside/secret.txt"}""")]
    [InlineData("read_file", """{"path":"/etc/passwd"}""")]
    [InlineData("write_file", """{"path":"../outside/new.txt","content":"x"}""")]
    [InlineData("list_directory", """{"path":".."}""")]
    [InlineData("search_files", """{"pattern":"x","path":"/"}""")]
    [InlineData("edit_file", """{"path":"../outside/secret.txt","old_text":"s","new_text":"t"}""")]
    public async Task A_path_outside_the_workspace_is_refused_to_the_model(string tool, string arguments)
    {
        File.WriteAllText(Path.Combine(_workspace.Outside, "secret.txt"), "secret");

        var result = await RunAsync(tool, arguments);

        Assert.True(result.IsError);
        Assert.Contains("outside the workspace directory", result.Output, StringComparison.Ordinal);
        Assert.Equal("secret", File.ReadAllText(Path.Combine(_workspace.Outside, "secret.txt")));
        Assert.False(File.Exists(Path.Combine(_workspace.Outside, "new.txt")));
    }

    [Fact]
    public async Task A_symlink_that_escapes_is_refused_for_reads_and_for_writes_through_it()
    {
        File.WriteAllText(Path.Combine(_workspace.Outside, "secret.txt"), "secret");
        File.CreateSymbolicLink(_workspace.File("leak.txt"), Path.Combine(_workspace.Outside, "secret.txt"));
        Directory.CreateSymbolicLink(_workspace.File("out"), _workspace.Outside);
        Directory.CreateDirectory(_workspace.File("sub"));
        Directory.CreateSymbolicLink(_workspace.File("sub/up"), "../..");

        var read = await RunAsync("read_file", """{"path":"leak.txt"}""");
        var write = await RunAsync("write_file", """{"path":"out/planted.txt","content":"x"}""");
        var climb = await RunAsync("read_file", """{"path":"sub/up/outside/secret.txt"}""");

        Assert.True(read.IsError);
        Assert.Contains("through a symlink", read.Output, StringComparison.Ordinal);
        Assert.True(write.IsError);
        Assert.False(File.Exists(Path.Combine(_workspace.Outside, "planted.txt")));
        Assert.True(climb.IsError);
        Assert.DoesNotContain("secret", (await RunAsync("search_files", """{"pattern":"secret"}""")).Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_symlink_that_stays_inside_is_followed()
    {
        Directory.CreateDirectory(_workspace.File("real"));
        File.WriteAllText(_workspace.File("real/a.txt"), "inside");
        Directory.CreateSymbolicLink(_workspace.File("alias"), "real");

        Assert.Equal("inside", (await RunAsync("read_file", """{"path":"alias/a.txt"}""")).Output);
    }

    [Fact]
    public async Task Edit_replaces_an_exact_single_match_and_refuses_none_or_several()
    {
        File.WriteAllText(_workspace.File("a.cs"), "int x = 1;\nint y = 1;\n");

        var none = await RunAsync("edit_file", """{"path":"a.cs","old_text":"int z","new_text":"int w"}""");
        var several = await RunAsync("edit_file", """{"path":"a.cs","old_text":" = 1;","new_text":" = 2;"}""");
        var one = await RunAsync("edit_file", """{"path":"a.cs","old_text":"int y = 1;","new_text":"int y = 2;"}""");

        Assert.True(none.IsError);
        Assert.Contains("was not found", none.Output, StringComparison.Ordinal);
        Assert.True(several.IsError);
        Assert.Contains("occurs 2 times", several.Output, StringComparison.Ordinal);
        Assert.False(one.IsError, one.Output);
        Assert.Equal("int x = 1;\nint y = 2;\n", File.ReadAllText(_workspace.File("a.cs")));
    }

    [Fact]
    public async Task Bad_arguments_are_told_to_the_model()
    {
        Assert.Contains("\"path\"", (await RunAsync("read_file", """{"file":"a"}""")).Output, StringComparison.Ordinal);
        Assert.Contains("does not exist", (await RunAsync("read_file", """{"path":"nope.txt"}""")).Output, StringComparison.Ordinal);
        Assert.Contains("not a valid regular expression", (await RunAsync("search_files", """{"pattern":"("}""")).Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_runs_in_the_workspace_and_answers_its_exit_code_and_output()
    {
        var result = await RunAsync("run_command", """{"command":"pwd; echo out; echo err >&2; exit 3"}""");

        Assert.True(result.IsError);
        Assert.StartsWith("exit code 3\n", result.Output, StringComparison.Ordinal);
        Assert.Contains(_workspace.Directory.Root, result.Output, StringComparison.Ordinal);
        Assert.Contains("out", result.Output, StringComparison.Ordinal);
        Assert.Contains("err", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_commands_long_output_keeps_its_head_and_tail_and_says_it_was_cut()
    {
        var result = await RunAsync("run_command", """{"command":"echo FIRST; seq 1 100000; echo LAST"}""", new ToolContext { Workspace = _workspace.Directory, CommandOutputLimit = 2000 });

        Assert.False(result.IsError);
        Assert.Contains("FIRST", result.Output, StringComparison.Ordinal);
        Assert.EndsWith("LAST\n", result.Output, StringComparison.Ordinal);
        Assert.Contains("[truncated:", result.Output, StringComparison.Ordinal);
        Assert.True(result.Output.Length < 2200, $"{result.Output.Length} characters");
    }

    [Fact]
    public async Task A_command_past_its_timeout_is_killed_with_its_children()
    {
        var clock = new FakeTimeProvider();
        var context = new ToolContext { Workspace = _workspace.Directory, Time = clock, DefaultCommandTimeout = TimeSpan.FromSeconds(5) };
        var run = RunAsync("run_command", """{"command":"echo begun; sh -c 'echo $$ > child.pid; exec sleep 300' & sleep 300"}""", context);
        await FileAppearance.WaitAsync(_workspace.File("child.pid"));

        clock.Advance(TimeSpan.FromSeconds(5));
        var result = await run.WithTimeout();

        Assert.True(result.IsError);
        Assert.Contains("past its timeout of 5 s", result.Output, StringComparison.Ordinal);
        Assert.Contains("begun", result.Output, StringComparison.Ordinal);
        var child = File.ReadAllText(_workspace.File("child.pid")).Trim();
        Assert.True(!File.Exists($"/proc/{child}/stat") || File.ReadAllText($"/proc/{child}/stat").Split(' ')[2] is "Z" or "X", "the background child outlived the kill");
    }

    [Fact]
    public async Task A_canceled_command_is_killed_and_throws()
    {
        using var cancel = new CancellationTokenSource();
        var run = RunAsync("run_command", """{"command":"touch begun; sleep 300"}""", cancellation: cancel.Token);
        await FileAppearance.WaitAsync(_workspace.File("begun"));

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WithTimeout(TestTimeouts.Short));
    }

    [Fact]
    public async Task A_command_does_not_see_variables_the_context_removes()
    {
        Environment.SetEnvironmentVariable("OUTPOST_TEST_TASK_KEY", "sk-should-not-leak");
        var context = new ToolContext { Workspace = _workspace.Directory, CommandEnvironment = new Dictionary<string, string?> { ["OUTPOST_TEST_TASK_KEY"] = null, ["GIVEN"] = "yes" } };

        var result = await RunAsync("run_command", """{"command":"echo key=$OUTPOST_TEST_TASK_KEY given=$GIVEN"}""", context);

        Assert.Contains("key= given=yes", result.Output, StringComparison.Ordinal);
    }

    private Task<ToolResult> RunAsync(string tool, string arguments, ToolContext? context = null, CancellationToken cancellation = default)
    {
        var parsed = ToolArguments.Parse(arguments, out var error) ?? throw new ArgumentException(error);
        return _tools.Find(tool)!.RunAsync(parsed, context ?? new ToolContext { Workspace = _workspace.Directory }, cancellation).WithTimeout();
    }
}
