using System.Text.Json;

namespace Outpost.Cli.Tests.Workflows;

public sealed class WorkflowValidateCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("outpost-workflows-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, string yaml)
    {
        var path = Path.Join(_directory, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    private static string Calling(string name, string target) => $$"""
        id: {{Guid.NewGuid()}}
        name: {{name}}
        jobs:
          - name: main
            steps: [{ name: call, task: { type: workflow, workflowIdOrName: {{target}} } }]
        """;

    [Fact]
    public async Task Valid_files_pass_and_problems_are_reported_with_file_line_and_field_in_text_and_json()
    {
        using var cli = new TestCli();
        var good = Write("good.yaml", Calling("good", "other"));
        Write("other.yaml", """
            id: 1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed
            name: other
            jobs: [{ name: j, steps: [{ name: s, task: { type: model_method, modelIdOrName: command/shell, methodName: run } }] }]
            """);

        var valid = await cli.RunAsync("workflow", "validate", _directory);

        Assert.True(valid.ExitCode == 0, valid.Stderr);
        Assert.Contains("2 workflow file(s) valid.", valid.Stderr, StringComparison.Ordinal);

        Write("a.yaml", Calling("a", "b"));
        Write("b.yaml", Calling("b", "a"));
        var shell = Write("shell.yaml", """
            id: 2b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed
            name: shell
            jobs: [{ name: j, steps: [{ name: s, task: { type: shell, run: ls } }] }]
            """);

        var text = await cli.RunAsync("workflow", "validate", _directory);
        var json = await cli.RunAsync("workflow", "validate", _directory, good, "--output", "json");

        Assert.Equal(1, text.ExitCode);
        Assert.Contains($"{shell}:3:52: jobs[0].steps[0].task.type: the \"shell\" task type is not supported", text.Stderr, StringComparison.Ordinal);
        Assert.Contains("Workflow cycle detected: a -> b -> a.", text.Stderr, StringComparison.Ordinal);
        Assert.Contains("2 problem(s) in 2 of 5 workflow file(s).", text.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, json.ExitCode);
        using var document = JsonDocument.Parse(json.Stdout);
        Assert.False(document.RootElement.GetProperty("valid").GetBoolean());
        var errors = document.RootElement.GetProperty("errors").EnumerateArray().ToList();
        // good.yaml is given twice: its name is then used twice.
        Assert.Contains(errors, error => error.GetProperty("message").GetString()!.StartsWith("workflow \"good\" is also defined in", StringComparison.Ordinal));
        var shellError = Assert.Single(errors, error => error.GetProperty("file").GetString() == shell);
        Assert.Equal((3, "jobs[0].steps[0].task.type"), (shellError.GetProperty("line").GetInt32(), shellError.GetProperty("path").GetString()));
    }

    [Fact]
    public async Task A_path_that_does_not_exist_is_a_usage_error()
    {
        using var cli = new TestCli();

        var run = await cli.RunAsync("workflow", "validate", Path.Join(_directory, "missing.yaml"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("missing.yaml: no such file or directory", run.Stderr, StringComparison.Ordinal);
    }
}
