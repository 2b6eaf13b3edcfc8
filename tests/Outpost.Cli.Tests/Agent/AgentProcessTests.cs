using Outpost.Sdk.Agents;
using Outpost.Sdk.Provisioning;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Agent;

/// <summary>The real <c>outpost agent</c> process against an agent API played by the test.</summary>
public sealed class AgentProcessTests : IDisposable
{
    private const string Token = "agent-token-for-tests";
    private readonly string _directory = Directory.CreateTempSubdirectory("outpost-agent-process-").FullName;

    [Fact]
    public async Task Missing_variables_exit_with_the_usage_code_and_name_each_one()
    {
        var (exitCode, _, stderr) = await OutpostProcess.RunAsync(["agent"], new Dictionary<string, string?>
        {
            [AgentEnvironment.AgentUrl] = null,
            [AgentEnvironment.AgentToken] = null,
        });

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains("OUTPOST_AGENT_URL is not set", stderr, StringComparison.Ordinal);
        Assert.Contains("OUTPOST_AGENT_TOKEN is not set", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_auth_method_is_a_usage_error_naming_the_methods_and_instance_identity_needs_no_token()
    {
        var (exitCode, _, stderr) = await OutpostProcess.RunAsync(["agent", "--auth", "gcp"], new Dictionary<string, string?>
        {
            [AgentEnvironment.AgentUrl] = "http://127.0.0.1:9",
            [AgentEnvironment.AgentToken] = null,
        });

        Assert.Equal(ExitCodes.Usage, exitCode);
        Assert.Contains("\"gcp\" is not one of token, aws-instance-identity, azure-instance-identity, google-instance-identity", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("OUTPOST_AGENT_TOKEN is not set", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_runs_the_shutdown_script_reports_off_and_exits_0()
    {
        await using var server = await StartServerAsync(
            Script("setup", "echo started in $(pwd)", onStart: true),
            Script("teardown", "echo stopping", onStart: false));
        await using var agent = StartAgent(server.Url, Token);
        await server.WaitForStateAsync(AgentLifecycleState.Ready);

        agent.Signal(PosixSignalKind.Terminate);

        Assert.Equal(ExitCodes.Success, await agent.WaitForExitAsync());
        Assert.Equal(
            [AgentLifecycleState.Starting, AgentLifecycleState.Ready, AgentLifecycleState.ShuttingDown, AgentLifecycleState.Off],
            server.States());
        Assert.Equal([$"started in {_directory}", "stopping"], server.Logs.Select(l => l.Output));
        var disconnect = DisconnectLine(agent);
        Assert.Contains("disconnect_reason=server_shutdown", disconnect, StringComparison.Ordinal);
        Assert.Contains("disconnect_initiator=agent", disconnect, StringComparison.Ordinal);
        Assert.Contains("connect_type=server_to_agent", disconnect, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_graceful_server_restart_is_server_shutdown_by_the_server_and_the_agent_reconnects()
    {
        await using var server = await StartServerAsync();
        await using var agent = StartAgent(server.Url, Token);
        await server.WaitForStateAsync(AgentLifecycleState.Ready);

        await server.StopAsync(graceful: true);
        var disconnect = await agent.WaitForLineAsync(l => l.Contains("Disconnected from the control plane", StringComparison.Ordinal));
        await server.StartAsync();

        Assert.Contains("disconnect_reason=server_shutdown", disconnect, StringComparison.Ordinal);
        Assert.Contains("disconnect_initiator=server", disconnect, StringComparison.Ordinal);
        Assert.Contains("disconnect_expected=True", disconnect, StringComparison.Ordinal);
        await agent.WaitForLineAsync(l => l.Contains("Manifest re-fetched after reconnecting", StringComparison.Ordinal));
        Assert.Equal(2, server.Connections);
    }

    [Fact]
    public async Task A_crashed_server_is_a_network_error_by_the_network_and_the_agent_reconnects_when_it_is_back()
    {
        await using var server = await StartServerAsync();
        await using var agent = StartAgent(server.Url, Token);
        await server.WaitForStateAsync(AgentLifecycleState.Ready);

        await server.StopAsync(graceful: false);
        var disconnect = await agent.WaitForLineAsync(l => l.Contains("Disconnected from the control plane", StringComparison.Ordinal));
        await agent.WaitForLineAsync(l => l.Contains("Could not connect to the control plane", StringComparison.Ordinal));
        await server.StartAsync();

        Assert.Contains("disconnect_reason=network_error", disconnect, StringComparison.Ordinal);
        Assert.Contains("disconnect_initiator=network", disconnect, StringComparison.Ordinal);
        Assert.Contains("disconnect_expected=False", disconnect, StringComparison.Ordinal);
        await agent.WaitForLineAsync(l => l.Contains("Connected to the control plane (connection 2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_wrong_token_is_a_clear_error_retried_with_backoff_and_sigterm_still_stops_the_agent()
    {
        await using var server = await StartServerAsync();
        await using var agent = StartAgent(server.Url, "not-the-token");

        await agent.WaitForLineAsync(l => l.Contains("Agent token rejected", StringComparison.Ordinal) && l.Contains("attempt 4", StringComparison.Ordinal));
        agent.Signal(PosixSignalKind.Terminate);

        Assert.Equal(ExitCodes.AgentNeverStarted, await agent.WaitForExitAsync());
        Assert.Contains("OUTPOST_AGENT_TOKEN", agent.StandardError, StringComparison.Ordinal);
        Assert.Equal(0, server.Connections);
        Assert.DoesNotContain("Disconnected from the control plane", agent.StandardError, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<FakeAgentApiServer> StartServerAsync(params AgentScript[] scripts)
    {
        var server = new FakeAgentApiServer(
            new AgentManifest
            {
                AgentId = Guid.NewGuid(),
                AgentName = "main",
                WorkspaceId = Guid.NewGuid(),
                WorkspaceName = "dev",
                OwnerName = "alice",
                BuildId = Guid.NewGuid(),
                Directory = _directory,
                Environment = new Dictionary<string, string>(),
                Scripts = scripts,
                Apps = [],
            },
            Token);
        await server.StartAsync();
        return server;
    }

    private static OutpostProcess StartAgent(Uri url, string token) => OutpostProcess.Start(["agent"], new Dictionary<string, string?>
    {
        [AgentEnvironment.AgentUrl] = url.ToString(),
        [AgentEnvironment.AgentToken] = token,
        ["OUTPOST_AGENT_NAME"] = "main",
    });

    private static AgentScript Script(string name, string script, bool onStart) =>
        new() { DisplayName = name, Script = script, RunOnStart = onStart, RunOnStop = !onStart };

    private static string DisconnectLine(OutpostProcess agent) =>
        Assert.Single(agent.StandardError.Split('\n'), l => l.Contains("Disconnected from the control plane", StringComparison.Ordinal));
}
