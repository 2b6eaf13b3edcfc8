using System.Text.Json;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Workspaces;

/// <summary>
/// Issue 5's "done" from the README's point of view: push local-starter, create a workspace, see it
/// reach running with its agents created, stop and delete it, and find the builds in /metrics.
/// </summary>
public sealed class LocalWorkspaceEndToEndTests(LocalWorkspacesFixture server) : IClassFixture<LocalWorkspacesFixture>
{
    [Fact]
    public async Task Push_create_run_stop_and_delete_a_local_starter_workspace()
    {
        using var cli = new TestCli();
        var login = await cli.RunAsync("login", server.BaseAddress.ToString(), "--email", ClockedServerFixture.OwnerEmail, "--password", ClockedServerFixture.OwnerPassword);
        Assert.True(login.ExitCode == 0, login.Stderr);

        var push = await cli.RunAsync("templates", "push", "local-starter", "--directory", LocalWorkspacesFixture.LocalStarterDirectory, "--yes");
        Assert.True(push.ExitCode == 0, push.Stderr);

        var create = await cli.RunAsync("create", "dev", "--template", "local-starter", "--yes", "--wait");
        Assert.True(create.ExitCode == 0, create.Stderr);

        var shown = await cli.RunAsync("show", "dev", "--output", "json");
        Assert.True(shown.ExitCode == 0, shown.Stderr);
        using (var json = JsonDocument.Parse(shown.Stdout))
        {
            Assert.Equal("running", json.RootElement.GetProperty("status").GetString());
            var resource = Assert.Single(json.RootElement.GetProperty("resources").EnumerateArray());
            var agent = Assert.Single(resource.GetProperty("agents").EnumerateArray());
            Assert.Equal("main", agent.GetProperty("name").GetString());
            Assert.Equal("connected", agent.GetProperty("status").GetString());
            Assert.Equal("ready", agent.GetProperty("lifecycle_state").GetString());
            Assert.True(agent.TryGetProperty("last_connected_at", out _));
        }

        var shownText = await cli.RunAsync("show", "dev");
        Assert.Contains("Agent:      main in ", shownText.Stdout, StringComparison.Ordinal);

        var stop = await cli.RunAsync("stop", "dev", "--yes", "--wait");
        Assert.True(stop.ExitCode == 0, stop.Stderr);
        var afterStop = await cli.RunAsync("show", "dev", "--output", "json");
        Assert.Contains("\"status\":\"stopped\"", afterStop.Stdout.Replace(" ", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);

        var delete = await cli.RunAsync("delete", "dev", "--yes", "--wait");
        Assert.True(delete.ExitCode == 0, delete.Stderr);
        var list = await cli.RunAsync("list", "--output", "json");
        Assert.DoesNotContain("\"dev\"", list.Stdout, StringComparison.Ordinal);

        // On the main address, /metrics needs an owner's token.
        using var signIn = await server.Client.PostAsync(new Uri("/api/v2/users/login", UriKind.Relative), new StringContent(
            JsonSerializer.Serialize(new Outpost.Sdk.Users.LoginRequest { Email = ClockedServerFixture.OwnerEmail, Password = ClockedServerFixture.OwnerPassword }, OutpostJson.Options),
            System.Text.Encoding.UTF8, "application/json")).WithTimeout();
        var owner = JsonSerializer.Deserialize<Outpost.Sdk.Users.LoginResponse>(await signIn.Content.ReadAsStringAsync().WithTimeout(), OutpostJson.Options)!;
        using var metricsRequest = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        metricsRequest.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", owner.AccessToken);
        using var metricsResponse = await server.Client.SendAsync(metricsRequest).WithTimeout();
        var metrics = await metricsResponse.Content.ReadAsStringAsync().WithTimeout();
        foreach (var transition in new[] { WorkspaceTransition.Start, WorkspaceTransition.Stop, WorkspaceTransition.Delete })
        {
            var name = JsonNamingPolicyName(transition);
            Assert.Contains($"transition=\"{name}\"", metrics, StringComparison.Ordinal);
        }

        Assert.Contains("outpost_workspace_builds_enqueued_total", metrics, StringComparison.Ordinal);
        Assert.Contains("outpost_provisioner_job_queue_wait_seconds_bucket", metrics, StringComparison.Ordinal);
        Assert.Contains("outpost_provisionerd_workspace_build_timings_seconds_bucket", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_shutdown_script_running_when_the_provisioner_signals_the_sandbox_finishes_and_the_agent_reports_off()
    {
        using var cli = new TestCli();
        var login = await cli.RunAsync("login", server.BaseAddress.ToString(), "--email", ClockedServerFixture.OwnerEmail, "--password", ClockedServerFixture.OwnerPassword);
        Assert.True(login.ExitCode == 0, login.Stderr);
        var template = Directory.CreateTempSubdirectory("outpost-slow-stop-").FullName;
        // The server tells the agent to stop as the stop build is queued, and the daemon's SIGTERM to the sandbox comes
        // when it runs the build: in about half the runs while this script sleeps. It used to reach the script too (the
        // launcher signals the agent's process group) and end it with shutdown_error; the script leads its own group now.
        await File.WriteAllTextAsync(Path.Combine(template, "outpost.yaml"), """
            name: slow-stop
            agents:
              - name: main
                shutdown_script: |
                  sleep 2
                  echo shutdown finished
                shutdown_script_timeout: 30s
            """);

        var push = await cli.RunAsync("templates", "push", "slow-stop", "--directory", template, "--yes");
        Assert.True(push.ExitCode == 0, push.Stderr);
        var create = await cli.RunAsync("create", "slowstop", "--template", "slow-stop", "--yes", "--wait");
        Assert.True(create.ExitCode == 0, create.Stderr);
        var stop = await cli.RunAsync("stop", "slowstop", "--yes", "--wait");
        Assert.True(stop.ExitCode == 0, stop.Stderr);

        var diagnose = await cli.RunAsync("diagnose", "slowstop", "--output", "json");
        Assert.True(diagnose.ExitCode == 0, diagnose.Stdout + diagnose.Stderr);
        using var report = JsonDocument.Parse(diagnose.Stdout);
        var states = report.RootElement.GetProperty("records").EnumerateArray()
            .Where(r => r.GetProperty("kind").GetString() == "agent.lifecycle")
            .Select(r => r.GetProperty("fields").GetProperty("state").GetString())
            .ToList();
        Assert.Equal(["shutting_down", "off"], states.TakeLast(2));
    }

    private static string JsonNamingPolicyName(WorkspaceTransition transition) =>
        JsonSerializer.Serialize(transition, OutpostJson.Options).Trim('"');
}
