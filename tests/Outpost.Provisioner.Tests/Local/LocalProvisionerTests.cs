using System.Diagnostics;
using Outpost.Provisioner.Local;
using Outpost.Provisioner.Templates;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Provisioning;
using Outpost.Testing;

namespace Outpost.Provisioner.Tests.Local;

public sealed class LocalProvisionerTests : IDisposable
{
    private const string OneAgent = """
        parameters:
          - name: greeting
            default: Hello
        agents:
          - name: main
            env:
              EDITOR: vi
            shutdown_script: echo bye
            shutdown_script_timeout: 10s
        """;

    private readonly LocalProvisionerFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task Import_of_the_local_starter_reports_its_parameters_and_agents_without_tokens_and_its_readme()
    {
        var packed = TemplateArchive.Pack(RepositoryRoot.Combine("examples", "templates", "local-starter"), 1024 * 1024);
        var log = new RecordingJobLog();

        var result = await _fixture.Provisioner.ImportAsync(packed.Tar!, log, TestTimeouts.Token()).WithTimeout();

        Assert.True(result.Succeeded, result.Failure?.Error);
        var import = result.Value!;
        var parameter = Assert.Single(import.Parameters);
        Assert.Equal(("greeting", "string", "Hello from Outpost"), (parameter.Name, WireName.Of(parameter.Type), parameter.DefaultValue));
        Assert.Equal(["local_workspace_directory", "local_agent_process"], import.Resources.Select(resource => resource.Type));
        var agent = Assert.Single(import.Resources[1].Agents);
        Assert.Equal("main", agent.Name);
        Assert.Null(agent.AuthToken);
        Assert.Equal([EnvMergeStrategy.Replace, EnvMergeStrategy.Append], agent.ExtraEnvs.Select(env => env.MergeStrategy));
        Assert.Equal(["startup", "shutdown"], agent.Scripts.Select(script => script.DisplayName));
        Assert.Equal(30, agent.Scripts[1].TimeoutSeconds);
        Assert.Equal("web", Assert.Single(agent.Apps).Slug);
        Assert.Equal(File.ReadAllText(RepositoryRoot.Combine("examples", "templates", "local-starter", "README.md")), import.Readme);
    }

    [Fact]
    public async Task Import_of_a_broken_template_fails_with_every_problem_at_its_line_and_column()
    {
        var template = _fixture.Template("agnets:\n  - name: main\nparameters:\n  - name: Bad\n");
        var log = new RecordingJobLog();

        var result = await _fixture.Provisioner.ImportAsync(template, log, TestTimeouts.Token()).WithTimeout();

        Assert.False(result.Succeeded);
        Assert.Equal(ProvisionerErrorCodes.TemplateInvalid, result.Failure!.ErrorCode);
        Assert.Contains("outpost.yaml:1:1:", result.Failure.Error, StringComparison.Ordinal);
        Assert.Contains("outpost.yaml:4:", result.Failure.Error, StringComparison.Ordinal);
        Assert.True(log.Lines.Count(line => line.Level == ProvisionerLogLevel.Error) >= 2, log.Text);
    }

    [Fact]
    public async Task Start_launches_a_detached_agent_with_its_url_token_name_and_parameters_and_stop_ends_it_with_sigterm()
    {
        var template = _fixture.Template(OneAgent);

        var (started, state, log) = await _fixture.BuildAsync(
            _fixture.Job(WorkspaceTransition.Start, [], new ParameterValue { Name = "greeting", Value = "Howdy" }), template);

        var agent = Assert.Single(started.Resources.SelectMany(resource => resource.Agents));
        var process = Assert.Single(state.Processes);
        var env = await _fixture.AgentEnvironmentAsync("main");
        Assert.Equal("http://127.0.0.1:3999", env[AgentEnvironment.AgentUrl]);
        Assert.False(env.ContainsKey(AgentEnvironment.AgentToken));
            Assert.Equal(agent.AuthToken, await File.ReadAllTextAsync(env[AgentEnvironment.AgentTokenFile]));
        Assert.True(agent.AuthToken!.Length >= 32);
        Assert.Equal("main", env[AgentEnvironment.AgentName]);
        Assert.Equal("Howdy", env["OUTPOST_PARAM_GREETING"]);
        Assert.Equal(_fixture.Workspace, env["PWD"]);
        Assert.True(File.Exists(Path.Join(LocalLayout.TemplateDirectory(_fixture.Workspace), "helper.sh")));
        Assert.Equal(process.Pid, SessionOf(process.Pid));
        Assert.Contains($"Starting agent main (pid {process.Pid})", log.Text, StringComparison.Ordinal);

        var (stopped, stopState, stopLog) = await _fixture.BuildAsync(_fixture.Job(WorkspaceTransition.Stop, LocalStateBytes(state)), template);

        Assert.Null(ProcessIdentity.StartTime(process.Pid));
        Assert.Empty(stopState.Processes);
        Assert.Empty(stopped.Resources.SelectMany(resource => resource.Agents));
        Assert.Contains($"Stopping agent main (pid {process.Pid}): SIGTERM", stopLog.Text, StringComparison.Ordinal);
        Assert.Contains("stopping", File.ReadAllText(LocalLayout.AgentLogFile(_fixture.Workspace, "main")), StringComparison.Ordinal);
        Assert.True(Directory.Exists(_fixture.Workspace));
    }

    [Fact]
    public async Task A_start_stops_the_agents_still_running_from_the_previous_build_first()
    {
        var template = _fixture.Template(OneAgent);
        var (_, first, _) = await _fixture.BuildAsync(_fixture.Job(WorkspaceTransition.Start, []), template);

        var (_, second, log) = await _fixture.BuildAsync(_fixture.Job(WorkspaceTransition.Start, LocalStateBytes(first)), template);

        var old = Assert.Single(first.Processes);
        Assert.Null(ProcessIdentity.StartTime(old.Pid));
        Assert.NotNull(ProcessIdentity.StartTime(Assert.Single(second.Processes).Pid));
        Assert.Contains($"Stopping agent main (pid {old.Pid}): SIGTERM", log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agents_recorded_in_the_workspace_directory_are_stopped_even_when_the_state_was_lost()
    {
        // A daemon killed mid-job reports nothing; the reaper fails the build and the state stays the older one.
        var template = _fixture.Template(OneAgent);
        var (_, orphaned, _) = await _fixture.BuildAsync(_fixture.Job(WorkspaceTransition.Start, []), template);

        await _fixture.BuildAsync(_fixture.Job(WorkspaceTransition.Stop, []), template);

        Assert.Null(ProcessIdentity.StartTime(Assert.Single(orphaned.Processes).Pid));
    }

    [Fact]
    public async Task A_pid_that_now_belongs_to_another_process_is_never_signalled()
    {
        var template = _fixture.Template(OneAgent);
        using var stranger = Process.Start(new ProcessStartInfo("sleep", "300"))!;
        _fixture.Track(stranger.Id);
        var recycled = new LocalState
        {
            Processes = [new AgentProcessRecord { Agent = "main", Pid = stranger.Id, StartTime = ProcessIdentity.StartTime(stranger.Id)!.Value - 1, ShutdownTimeoutSeconds = 10 }],
        };

        var (_, _, log) = await _fixture.BuildAsync(_fixture.Job(WorkspaceTransition.Stop, recycled.ToBytes()), template);

        Assert.False(stranger.HasExited);
        Assert.Contains("the pid now belongs to another process; leaving it alone", log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_stops_the_agents_and_removes_the_workspace_directory()
    {
        var template = _fixture.Template(OneAgent);
        var (_, state, _) = await _fixture.BuildAsync(_fixture.Job(WorkspaceTransition.Start, []), template);
        File.WriteAllText(Path.Join(_fixture.Workspace, "work.txt"), "precious");

        var (deleted, after, log) = await _fixture.BuildAsync(_fixture.Job(WorkspaceTransition.Delete, LocalStateBytes(state)), template);

        Assert.Null(ProcessIdentity.StartTime(Assert.Single(state.Processes).Pid));
        Assert.False(Directory.Exists(_fixture.Workspace));
        Assert.Empty(deleted.Resources);
        Assert.Empty(after.Processes);
        Assert.Contains($"Removing workspace directory {_fixture.Workspace}", log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_agent_that_ignores_sigterm_is_killed_after_its_shutdown_timeout()
    {
        using var fixture = new LocalProvisionerFixture(LocalProvisionerFixture.StubbornAgent, stopGrace: TimeSpan.FromSeconds(1));
        var template = fixture.Template("agents:\n  - name: main\n    shutdown_script_timeout: 1s\n");
        var (_, state, _) = await fixture.BuildAsync(fixture.Job(WorkspaceTransition.Start, []), template);
        await fixture.AgentEnvironmentAsync("main");

        var (_, _, log) = await fixture.BuildAsync(fixture.Job(WorkspaceTransition.Stop, LocalStateBytes(state)), template);

        Assert.Null(ProcessIdentity.StartTime(Assert.Single(state.Processes).Pid));
        Assert.Contains("did not exit within 2 s: SIGKILL", log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_env_merge_error_fails_the_start_and_launches_nothing()
    {
        var template = _fixture.Template("""
            agents:
              - name: main
            env:
              - {name: A, value: one}
              - {name: A, value: two, merge_strategy: error}
            """);
        var log = new RecordingJobLog();

        var result = await _fixture.Provisioner.BuildAsync(_fixture.Job(WorkspaceTransition.Start, []), template, log, TestTimeouts.Token()).WithTimeout();

        Assert.Equal(ProvisionerErrorCodes.EnvMerge, result.Failure!.ErrorCode);
        Assert.Contains("agent \"main\"", result.Failure.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_fixture.Workspace));
    }

    [Fact]
    public async Task A_start_without_a_usable_access_url_fails_before_launching_anything()
    {
        var template = _fixture.Template(OneAgent);
        var log = new RecordingJobLog();

        var result = await _fixture.Provisioner.BuildAsync(_fixture.Job(WorkspaceTransition.Start, []) with { AccessUrl = "" }, template, log, TestTimeouts.Token()).WithTimeout();

        Assert.Equal(ProvisionerErrorCodes.ApplyFailed, result.Failure!.ErrorCode);
        Assert.Contains("--access-url", result.Failure.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(LocalLayout.ProcessesFile(_fixture.Workspace)));
    }

    private static byte[] LocalStateBytes(LocalState state) => state.ToBytes();

    private static int SessionOf(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[3], System.Globalization.CultureInfo.InvariantCulture);
    }
}
