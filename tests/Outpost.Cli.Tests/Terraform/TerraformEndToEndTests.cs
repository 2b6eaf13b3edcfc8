using Outpost.Provisioner.Local;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Terraform;

/// <summary>
/// The terraform-local example through the real CLI, server, daemon, terraform binary, provider and
/// <c>outpost agent</c>: push (type detected), create (agent ready, env merged by strategy), stop
/// (the agent process is destroyed), start (recreated) and delete (the working directory is gone).
/// </summary>
public sealed class TerraformEndToEndTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>, IDisposable
{
    private readonly Workspaces.WorkspaceTestBed _bed = new(server);
    private readonly string _root = Directory.CreateTempSubdirectory("outpost-terraform-e2e-").FullName;

    public void Dispose()
    {
        AgentLaunchingDaemons.KillLeftovers(_root, ".outpost-agent.pid");
        Directory.Delete(_root, recursive: true);
        _bed.Dispose();
    }

    [Fact]
    public async Task The_terraform_local_example_creates_stops_starts_and_deletes_a_workspace_with_a_real_agent()
    {
        Assert.True(TerraformCli.Find() is not null, "terraform is not on PATH (nor named by OUTPOST_TERRAFORM_PATH); this test needs terraform 1.5 or newer");
        var example = Path.Join(Path.GetDirectoryName(LocalWorkspacesFixture.LocalStarterDirectory)!, "terraform-local");
        foreach (var file in Directory.GetFiles(example))
        {
            File.Copy(file, Path.Join(_bed.Directory, Path.GetFileName(file)));
        }

        using var cli = await _bed.SignedInAsync();
        // Each build runs terraform five times (init, plan, show, apply, show), each starting the provider.
        cli.Timeout = TimeSpan.FromMinutes(4);
        await using var daemons = AgentLaunchingDaemons.Start(server, Path.Join(_root, "workspaces"));

        var push = await cli.RunAsync("templates", "push", "tf-local", "--directory", _bed.Directory, "--yes").WithTimeout(TimeSpan.FromMinutes(3));
        Assert.True(push.ExitCode == 0, push.Stderr);
        Assert.Contains("Created template \"tf-local\" (terraform)", push.Stderr, StringComparison.Ordinal);

        var create = await cli.RunAsync("create", "tf", "--template", "tf-local", "--parameter", "greeting=hi").WithTimeout(TimeSpan.FromMinutes(4));
        Assert.True(create.ExitCode == 0, create.Stderr);
        Assert.Contains("owner/tf is ready", create.Stderr, StringComparison.Ordinal);
        var working = Assert.Single(Directory.GetDirectories(Path.Join(_root, "workspaces", "terraform")), path => !Path.GetFileName(path).StartsWith('.'));
        var home = Path.Join(working, "home");
        var env = await File.ReadAllTextAsync(await WaitForFileAsync(Path.Join(home, "env.txt")));
        Assert.Contains("SEARCH_PATH=/usr/local/share:/opt/share:/home/share", env, StringComparison.Ordinal);
        Assert.Contains("GREETING=hi", env, StringComparison.Ordinal);
        var firstPid = AgentPid(home);
        Assert.NotNull(ProcessIdentity.StartTime(firstPid));

        var stop = await cli.RunAsync("stop", "tf").WithTimeout(TimeSpan.FromMinutes(4));
        Assert.True(stop.ExitCode == 0, stop.Stderr);
        Assert.Null(ProcessIdentity.StartTime(firstPid));
        Assert.False(File.Exists(Path.Join(home, ".outpost-agent.pid")));

        var start = await cli.RunAsync("start", "tf").WithTimeout(TimeSpan.FromMinutes(4));
        Assert.True(start.ExitCode == 0, start.Stderr);
        Assert.Contains("owner/tf is ready", start.Stderr, StringComparison.Ordinal);
        var secondPid = AgentPid(home);
        Assert.NotEqual(firstPid, secondPid);
        Assert.NotNull(ProcessIdentity.StartTime(secondPid));

        var delete = await cli.RunAsync("delete", "tf", "--yes").WithTimeout(TimeSpan.FromMinutes(4));
        Assert.True(delete.ExitCode == 0, delete.Stderr);
        Assert.Null(ProcessIdentity.StartTime(secondPid));
        Assert.False(Directory.Exists(working));
    }

    private static int AgentPid(string home) => int.Parse(File.ReadAllText(Path.Join(home, ".outpost-agent.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The agent writes env.txt from its startup script, on its own schedule after "ready".</summary>
    private static async Task<string> WaitForFileAsync(string path)
    {
        using var watcher = new FileSystemWatcher(Path.GetDirectoryName(path)!, Path.GetFileName(path)) { EnableRaisingEvents = true };
        var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        watcher.Created += (_, _) => created.TrySetResult();
        watcher.Renamed += (_, _) => created.TrySetResult();
        if (!File.Exists(path))
        {
            await created.Task.WithTimeout();
        }

        return path;
    }
}
