using Microsoft.Extensions.Logging.Abstractions;
using Outpost.Provisioner.Daemon;
using Outpost.Provisioner.Local;
using Outpost.Provisioner.Tests.Local;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Provisioning;
using Outpost.Testing;

namespace Outpost.Provisioner.Tests.Daemon;

public sealed class ProvisionerDaemonHostTests : IDisposable
{
    private readonly LocalProvisionerFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task In_process_daemons_build_a_workspace_over_http_and_stop_when_disposed()
    {
        await using var server = await FakeDaemonApiServer.StartAsync();
        var workspaces = Path.GetDirectoryName(_fixture.Workspace)!;
        var template = _fixture.Template("agents:\n  - name: main\n    shutdown_script_timeout: 10s\n");
        var host = ProvisionerDaemonHost.Start(2, server.Url, FakeDaemonApiServer.Key, workspaces, NullLoggerFactory.Instance, TimeProvider.System,
            options => options with { AgentCommand = _fixture.AgentCommand, WaitSeconds = 1 });
        LocalState state;
        await using (host)
        {
            var start = Job(server, template, WorkspaceTransition.Start, []);
            server.Enqueue(start);
            var started = await server.Finished.Reader.ReadAsync().AsTask().WithTimeout();

            Assert.Equal(start.JobId, started.JobId);
            Assert.Null(started.Fail);
            var agent = Assert.Single(started.Complete!.WorkspaceBuild!.Resources.SelectMany(resource => resource.Agents));
            var env = await _fixture.AgentEnvironmentAsync("main");
            Assert.False(env.ContainsKey(AgentEnvironment.AgentToken));
            Assert.Equal(agent.AuthToken, await File.ReadAllTextAsync(env[AgentEnvironment.AgentTokenFile]));
            Assert.Contains(server.Logs, line => line.Output.StartsWith("Starting agent main (pid ", StringComparison.Ordinal));
            state = LocalState.Parse(started.Complete.WorkspaceBuild.State).State!;
            _fixture.Track(state.Processes[0].Pid);

            server.Enqueue(Job(server, template, WorkspaceTransition.Stop, started.Complete.WorkspaceBuild.State));
            var stopped = await server.Finished.Reader.ReadAsync().AsTask().WithTimeout();
            Assert.NotNull(stopped.Complete);
        }

        // Each job went to one daemon only; the agent outlived nothing it should not have.
        Assert.Equal(2, server.Acquisitions.Count);
        Assert.Null(ProcessIdentity.StartTime(state.Processes[0].Pid));
        Assert.All(host.Runs, run => Assert.True(run.IsCompletedSuccessfully));
    }

    [Fact]
    public async Task No_daemons_are_started_when_the_count_is_zero()
    {
        await using var host = ProvisionerDaemonHost.Start(0, new Uri("http://127.0.0.1:1"), "k", "/tmp", NullLoggerFactory.Instance, TimeProvider.System);

        Assert.Equal(0, host.Count);
    }

    private AcquiredJob Job(FakeDaemonApiServer server, byte[] template, WorkspaceTransition transition, byte[] previousState) => new()
    {
        JobId = Guid.NewGuid(),
        Type = ProvisionerJobType.WorkspaceBuild,
        Provisioner = "local",
        CreatedAt = DateTimeOffset.UtcNow,
        TemplateFileHash = server.AddFile(template),
        WorkspaceBuild = _fixture.Job(transition, previousState),
    };
}
