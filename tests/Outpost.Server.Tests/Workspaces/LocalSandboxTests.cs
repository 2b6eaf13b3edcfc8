using Microsoft.Extensions.Logging.Abstractions;
using Outpost.Provisioner.Daemon;
using Outpost.Provisioner.Local;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Templates;
using Outpost.Sdk.Workspaces;
using Outpost.Testing;

namespace Outpost.Server.Tests.Workspaces;

/// <summary>
/// Issue 13 point 7: a local workspace's processes run in the bubblewrap sandbox — as an
/// unprivileged user when the daemon is root, with a private /tmp — and cannot read the server's
/// data directory or another workspace. A shell script stands in for the agent and reports what it sees.
/// </summary>
public sealed class LocalSandboxTests(WorkspaceServerFixture fixture) : IClassFixture<WorkspaceServerFixture>, IDisposable
{
    private const string Probe = """
        data="$1"
        {
          echo "uid=$(id -u)"
          if cat "$data/secret.txt" >/dev/null 2>&1; then echo "secret=readable"; else echo "secret=hidden"; fi
          echo "workspaces=$(ls -A "$data/workspaces" 2>/dev/null | tr '\n' ' ')"
          if [ -e "$2" ]; then echo "tmp=shared"; else echo "tmp=private"; fi
          if touch own-file 2>/dev/null; then echo "own=writable"; else echo "own=read-only"; fi
          if touch /usr/outpost-probe 2>/dev/null; then echo "system=writable"; else echo "system=read-only"; fi
        } > probe.tmp && mv probe.tmp probe.txt
        trap 'exit 0' TERM
        while true; do sleep 1 & wait $!; done
        """;

    private readonly string _root = CreateWalkableRoot();
    private readonly string _hostTmpMarker = Path.Join(Path.GetTempPath(), $"outpost-host-marker-{Guid.NewGuid():N}");

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        File.Delete(_hostTmpMarker);
    }

    [Fact]
    public async Task A_workspace_script_cannot_read_the_server_data_directory_or_another_workspace()
    {
        Assert.True(LocalSandbox.FindBubblewrap() is not null, "bubblewrap is not installed: apt-get install bubblewrap (.ci/run installs it)");
        var data = Path.Join(_root, "data");
        Directory.CreateDirectory(data);
        File.SetUnixFileMode(data, (UnixFileMode)0b111_001_001);
        // Even a world-readable file of the server's is out of a workspace's sight.
        await File.WriteAllTextAsync(Path.Join(data, "secret.txt"), "server secret");
        File.SetUnixFileMode(Path.Join(data, "secret.txt"), (UnixFileMode)0b110_100_100);
        await File.WriteAllTextAsync(_hostTmpMarker, "on the host's /tmp");
        var workspaces = Path.Join(data, "workspaces");
        var sandbox = LocalSandbox.Create(data);
        await using var host = ProvisionerDaemonHost.Start(1, fixture.BaseAddress, fixture.DaemonKey, workspaces, NullLoggerFactory.Instance, TimeProvider.System,
            options => options with { AgentCommand = ["/bin/sh", "-c", Probe, "probe", data, _hostTmpMarker], WaitSeconds = 1, Sandbox = sandbox });
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        var template = await api.CreateTemplateAsync("sandboxed");
        var version = await api.CreateVersionAsync(template.Id, await api.UploadAsync("agents:\n  - name: main\n"));
        await SseReader.FollowJobLogAsync(fixture.Client, $"/api/v2/templateversions/{version.Id}/logs?follow=true", api.Token);
        await api.ReadAsync<Template>(HttpMethod.Patch, $"/api/v2/templates/{template.Id}", new UpdateTemplateRequest { ActiveVersionId = version.Id });

        var neighbor = await StartAsync(api, "neighbor");
        var workspace = await StartAsync(api, "sandboxed");
        var probe = await File.ReadAllTextAsync(await FileAppearance.WaitAsync(Path.Join(workspaces, workspace.Id.ToString("D"), "probe.txt")));

        Assert.True(Directory.Exists(Path.Join(workspaces, neighbor.Id.ToString("D"))));
        Assert.Contains("secret=hidden", probe, StringComparison.Ordinal);
        Assert.Contains($"workspaces={workspace.Id:D} \n", probe, StringComparison.Ordinal);
        Assert.Contains("tmp=private", probe, StringComparison.Ordinal);
        Assert.Contains("own=writable", probe, StringComparison.Ordinal);
        Assert.Contains("system=read-only", probe, StringComparison.Ordinal);
        if (System.Environment.IsPrivilegedProcess)
        {
            Assert.Contains($"uid={LocalSandbox.NobodyId}", probe, StringComparison.Ordinal);
        }

        foreach (var started in new[] { neighbor, workspace })
        {
            var stop = await api.BuildAsync(started.Id, WorkspaceTransition.Stop);
            await SseReader.FollowJobLogAsync(fixture.Client, $"/api/v2/workspacebuilds/{stop.Id}/logs?follow=true", api.Token);
            Assert.Equal(WorkspaceStatus.Stopped, (await api.GetWorkspaceAsync(started.Id)).Status);
        }
    }

    private async Task<Workspace> StartAsync(WorkspaceApi api, string name)
    {
        var workspace = await api.CreateWorkspaceAsync(name, "sandboxed");
        await SseReader.FollowJobLogAsync(fixture.Client, $"/api/v2/workspacebuilds/{workspace.LatestBuild.Id}/logs?follow=true", api.Token);
        workspace = await api.GetWorkspaceAsync(workspace.Id);
        Assert.True(workspace.Status == WorkspaceStatus.Running, $"{workspace.Status}: {workspace.LatestBuild.Job.Error}");
        return workspace;
    }

    private static string CreateWalkableRoot()
    {
        var root = Directory.CreateTempSubdirectory("outpost-sandbox-").FullName;
        File.SetUnixFileMode(root, (UnixFileMode)0b111_001_001);
        return root;
    }
}
