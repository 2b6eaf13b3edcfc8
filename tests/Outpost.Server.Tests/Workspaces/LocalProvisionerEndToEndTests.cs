using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using Outpost.Provisioner.Daemon;
using Outpost.Provisioner.Local;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Templates;
using Outpost.Sdk.Workspaces;
using Outpost.Testing;

namespace Outpost.Server.Tests.Workspaces;

/// <summary>
/// The real daemons (in-process, over HTTP, as <c>outpost server</c> hosts them) and the real local
/// provisioner against the real server: import, start, stop and delete, each followed through the
/// build's log stream until its job ends. A shell script stands in for <c>outpost agent</c>.
/// </summary>
public sealed partial class LocalProvisionerEndToEndTests(WorkspaceServerFixture fixture) : IClassFixture<WorkspaceServerFixture>, IDisposable
{
    private const string StandInAgent = """
        trap 'echo stopping; exit 0' TERM
        env > .env.tmp && mv .env.tmp env.txt
        while true; do sleep 1 & wait $!; done
        """;

    private readonly string _root = Directory.CreateTempSubdirectory("outpost-e2e-").FullName;
    private int _agentPid;

    public void Dispose()
    {
        // A test that failed half-way must not leave its agent running.
        if (_agentPid > 0 && ProcessIdentity.StartTime(_agentPid) is not null)
        {
            NativeProcess.Signal(_agentPid, NativeProcess.SigKill);
        }

        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task In_process_daemons_import_start_stop_and_delete_a_local_workspace()
    {
        var script = Path.Join(_root, "agent.sh");
        await File.WriteAllTextAsync(script, StandInAgent);
        var workspaces = Path.Join(_root, "workspaces");
        await using var host = ProvisionerDaemonHost.Start(2, fixture.BaseAddress, fixture.DaemonKey, workspaces, NullLoggerFactory.Instance, TimeProvider.System,
            options => options with { AgentCommand = ["/bin/sh", script], WaitSeconds = 1 });
        var api = await WorkspaceApi.LoginAsync(fixture.Client);

        var template = await api.CreateTemplateAsync("e2e-local");
        var version = await api.CreateVersionAsync(template.Id, await api.UploadAsync(WorkspaceApi.StarterYaml));
        var importLog = await SseReader.FollowJobLogAsync(fixture.Client, $"/api/v2/templateversions/{version.Id}/logs?follow=true", api.Token);
        version = await api.ReadAsync<TemplateVersion>(HttpMethod.Get, $"/api/v2/templateversions/{version.Id}");
        Assert.Equal(ProvisionerJobStatus.Succeeded, version.Job.Status);
        Assert.Equal(["greeting", "size"], version.Parameters.Select(parameter => parameter.Name));
        Assert.Contains(importLog, line => line.Output.Contains("picked up the job", StringComparison.Ordinal));
        await api.ReadAsync<Template>(HttpMethod.Patch, $"/api/v2/templates/{template.Id}", new UpdateTemplateRequest { ActiveVersionId = version.Id });

        var workspace = await api.CreateWorkspaceAsync("e2e", "e2e-local", ("greeting", "hey"));
        var startLog = await SseReader.FollowJobLogAsync(fixture.Client, $"/api/v2/workspacebuilds/{workspace.LatestBuild.Id}/logs?follow=true", api.Token);
        workspace = await api.GetWorkspaceAsync(workspace.Id);
        Assert.True(workspace.Status == WorkspaceStatus.Running, $"{workspace.Status}: {workspace.LatestBuild.Job.Error}");
        var pid = _agentPid = AgentPid(startLog);
        var directory = Path.Join(workspaces, workspace.Id.ToString("D"));
        var env = await File.ReadAllTextAsync(await FileAppearance.WaitAsync(Path.Join(directory, "env.txt")));
        Assert.Contains("OUTPOST_PARAM_GREETING=hey", env, StringComparison.Ordinal);
        Assert.Contains($"OUTPOST_AGENT_URL={fixture.BaseAddress.ToString().TrimEnd('/')}", env, StringComparison.Ordinal);
        Assert.DoesNotContain("OUTPOST_PROVISIONER_KEY", env, StringComparison.Ordinal);

        var stop = await api.BuildAsync(workspace.Id, WorkspaceTransition.Stop);
        var stopLog = await SseReader.FollowJobLogAsync(fixture.Client, $"/api/v2/workspacebuilds/{stop.Id}/logs?follow=true", api.Token);
        workspace = await api.GetWorkspaceAsync(workspace.Id);
        Assert.True(workspace.Status == WorkspaceStatus.Stopped, $"{workspace.Status}: {workspace.LatestBuild.Job.Error}");
        Assert.Contains(stopLog, line => line.Output == $"Stopping agent main (pid {pid}): SIGTERM");
        Assert.Null(ProcessIdentity.StartTime(pid));

        var delete = await api.BuildAsync(workspace.Id, WorkspaceTransition.Delete);
        await SseReader.FollowJobLogAsync(fixture.Client, $"/api/v2/workspacebuilds/{delete.Id}/logs?follow=true", api.Token);
        workspace = await api.GetWorkspaceAsync(workspace.Id);
        Assert.True(workspace.Status == WorkspaceStatus.Deleted, $"{workspace.Status}: {workspace.LatestBuild.Job.Error}");
        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public async Task Canceling_a_stop_that_waits_on_its_agent_ends_the_build_canceled()
    {
        // This agent ignores SIGTERM, so the stop build waits out its 60 s shutdown timeout: time to cancel it.
        var script = Path.Join(_root, "stubborn.sh");
        await File.WriteAllTextAsync(script, StandInAgent.Replace("trap 'echo stopping; exit 0' TERM", "trap '' TERM", StringComparison.Ordinal));
        await using var host = ProvisionerDaemonHost.Start(1, fixture.BaseAddress, fixture.DaemonKey, Path.Join(_root, "workspaces"), NullLoggerFactory.Instance, TimeProvider.System,
            options => options with { AgentCommand = ["/bin/sh", script], WaitSeconds = 1, HeartbeatInterval = TimeSpan.FromMilliseconds(200) });
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        var template = await api.CreateTemplateAsync("e2e-cancel");
        var version = await api.CreateVersionAsync(template.Id, await api.UploadAsync("agents:\n  - name: main\n    shutdown_script_timeout: 60s\n"));
        await SseReader.FollowJobLogAsync(fixture.Client, $"/api/v2/templateversions/{version.Id}/logs?follow=true", api.Token);
        await api.ReadAsync<Template>(HttpMethod.Patch, $"/api/v2/templates/{template.Id}", new UpdateTemplateRequest { ActiveVersionId = version.Id });
        var workspace = await api.CreateWorkspaceAsync("e2e-cancel", "e2e-cancel");
        _agentPid = AgentPid(await SseReader.FollowJobLogAsync(fixture.Client, $"/api/v2/workspacebuilds/{workspace.LatestBuild.Id}/logs?follow=true", api.Token));

        var stop = await api.BuildAsync(workspace.Id, WorkspaceTransition.Stop);
        await using (var stream = await SseReader.OpenAsync(fixture.Client, $"/api/v2/workspacebuilds/{stop.Id}/logs?follow=true", api.Token))
        {
            while (await stream.NextAsync() is { Type: "message" } next && !next.Data.Contains(": SIGTERM", StringComparison.Ordinal))
            {
            }

            await api.ReadAsync<WorkspaceBuild>(HttpMethod.Patch, $"/api/v2/workspacebuilds/{stop.Id}/cancel");
            while (await stream.NextAsync() is { Type: "message" })
            {
            }
        }

        workspace = await api.GetWorkspaceAsync(workspace.Id);
        Assert.NotNull(workspace.LatestBuild.Job.CanceledAt);
        Assert.NotNull(workspace.LatestBuild.Job.CompletedAt);
        Assert.Equal(ProvisionerJobStatus.Canceled, workspace.LatestBuild.Job.Status);
        Assert.Equal(WorkspaceStatus.Canceled, workspace.Status);
        Assert.Null(workspace.LatestBuild.Job.Error);
        Assert.Equal(ProvisionerErrorCodes.Canceled, workspace.LatestBuild.Job.ErrorCode);
    }

    private static int AgentPid(IEnumerable<ProvisionerJobLog> log)
    {
        var started = log.Select(line => StartedAgent().Match(line.Output)).First(match => match.Success);
        return int.Parse(started.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^Starting agent main \(pid (\d+)\)")]
    private static partial Regex StartedAgent();
}
