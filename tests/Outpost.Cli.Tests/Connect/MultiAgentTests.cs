using System.Text.Json;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Connect;

/// <summary>
/// A local workspace with two agents: each runs as its own process with its own token, lifecycle and sessions;
/// <c>workspace.agent</c> picks one, and a target that does not say which is refused with the names.
/// </summary>
public sealed class MultiAgentTests(LocalWorkspacesFixture server) : IClassFixture<LocalWorkspacesFixture>, IDisposable
{
    private readonly string _template = Directory.CreateTempSubdirectory("outpost-multi-agent-").FullName;

    public void Dispose() => Directory.Delete(_template, recursive: true);

    [Fact]
    public async Task Each_agent_serves_its_own_sessions_and_an_unnamed_target_lists_the_agents()
    {
        await File.WriteAllTextAsync(Path.Join(_template, "outpost.yaml"), """
            name: multi
            agents:
              - name: main
                env:
                  ROLE: editor
              - name: helper
                directory: helper
                env:
                  ROLE: builder
            """);
        using var cli = new TestCli();
        Assert.Equal(0, (await cli.RunAsync("login", server.BaseAddress.ToString(), "--email", ClockedServerFixture.OwnerEmail, "--password", ClockedServerFixture.OwnerPassword)).ExitCode);
        var push = await cli.RunAsync("templates", "push", "multi", "--directory", _template, "--yes");
        Assert.True(push.ExitCode == 0, push.Stderr);
        var create = await cli.RunAsync("create", "duo", "--template", "multi", "--yes", "--wait");
        Assert.True(create.ExitCode == 0, create.Stderr);

        var shown = await cli.RunAsync("show", "duo", "--output", "json");
        using (var json = JsonDocument.Parse(shown.Stdout))
        {
            var agents = json.RootElement.GetProperty("resources").EnumerateArray().SelectMany(r => r.GetProperty("agents").EnumerateArray())
                .ToDictionary(a => a.GetProperty("name").GetString()!, a => a.GetProperty("lifecycle_state").GetString());
            Assert.Equal(new Dictionary<string, string?> { ["helper"] = "ready", ["main"] = "ready" }, agents);
        }

        var helper = await OutpostProcess.RunAsync(["ssh", "duo.helper", "--", "sh", "-c", "echo \"$ROLE $OUTPOST_AGENT_NAME $(basename \"$PWD\")\""], cli.Environment);
        var main = await OutpostProcess.RunAsync(["ssh", "duo.main", "--", "sh", "-c", "echo \"$ROLE $OUTPOST_AGENT_NAME\""], cli.Environment);
        Assert.True(helper.ExitCode == 0, helper.Stderr);
        Assert.Equal("builder helper helper", helper.Stdout.Trim());
        Assert.True(main.ExitCode == 0, main.Stderr);
        Assert.Equal("editor main", main.Stdout.Trim());

        var unnamed = await OutpostProcess.RunAsync(["ssh", "duo", "--", "true"], cli.Environment);
        Assert.Equal(ExitCodes.Usage, unnamed.ExitCode);
        Assert.Contains("\"duo\" has 2 agents (helper, main); name one, e.g. duo.helper", unnamed.Stderr, StringComparison.Ordinal);

        var stop = await cli.RunAsync("stop", "duo", "--yes", "--wait");
        Assert.True(stop.ExitCode == 0, stop.Stderr);
    }
}
