using System.Text.Json;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Workspaces;

public sealed class WorkspaceCommandsTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>, IDisposable
{
    private readonly string _url = server.BaseAddress.ToString();
    private readonly string _directory = Directory.CreateTempSubdirectory("outpost-cli-template-").FullName;

    private TestDaemon Daemon => new(server.Client, server.DaemonKey);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<TestCli> SignedInAsync()
    {
        var cli = new TestCli();
        var login = await cli.RunAsync("login", _url, "--email", ClockedServerFixture.OwnerEmail, "--password", ClockedServerFixture.OwnerPassword);
        Assert.Equal(0, login.ExitCode);
        return cli;
    }

    /// <summary>Runs <c>templates push</c> while this test plays the daemon that imports it.</summary>
    private async Task<CliRun> PushAsync(TestCli cli, string name)
    {
        await Daemon.DrainAsync();
        var push = cli.RunAsync("templates", "push", name, "--directory", _directory, "--yes");
        var job = await Daemon.TryAcquireAsync(30);
        Assert.NotNull(job);
        Assert.Equal(ProvisionerJobType.TemplateVersionImport, job.Type);
        await Daemon.CompleteImportAsync(job);
        return await push.WithTimeout();
    }

    [Fact]
    public async Task Init_then_push_imports_and_activates_the_starter_template()
    {
        using var cli = await SignedInAsync();

        var init = await cli.RunAsync("templates", "init", _directory);
        var again = await cli.RunAsync("templates", "init", _directory);
        var push = await PushAsync(cli, "cli-starter");
        var list = await cli.RunAsync("templates", "list", "--output", "json");
        var versions = await cli.RunAsync("templates", "versions", "cli-starter");

        Assert.Equal(0, init.ExitCode);
        Assert.True(File.Exists(Path.Combine(_directory, "outpost.yaml")));
        Assert.NotEqual(0, again.ExitCode);
        Assert.True(push.ExitCode == 0, push.Stderr);
        Assert.Equal("v1", push.Stdout.Trim());
        Assert.Contains("Created template \"cli-starter\"", push.Stderr, StringComparison.Ordinal);
        Assert.Contains("is now active", push.Stderr, StringComparison.Ordinal);
        var template = Assert.Single(JsonSerializer.Deserialize(list.Stdout, OutpostJsonContext.Default.ListTemplate)!, t => t.Name == "cli-starter");
        Assert.NotNull(template.ActiveVersionId);
        Assert.Contains("succeeded", versions.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_import_prints_its_errors_and_exits_with_the_import_code()
    {
        using var cli = await SignedInAsync();
        await File.WriteAllTextAsync(Path.Combine(_directory, "outpost.yaml"), "name: broken\nagents:\n  - nme: main\n").WithTimeout();

        var push = await PushAsync(cli, "cli-broken");

        Assert.Equal(ExitCodes.TemplateImportFailed, push.ExitCode);
        Assert.Contains("outpost.yaml:3:", push.Stderr, StringComparison.Ordinal);
        Assert.Contains("failed", push.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_show_stop_and_delete_a_workspace()
    {
        using var cli = await SignedInAsync();
        await cli.RunAsync("templates", "init", _directory);
        Assert.Equal(0, (await PushAsync(cli, "cli-lifecycle")).ExitCode);

        var create = await cli.RunAsync("create", "cli-dev", "--template", "cli-lifecycle", "--parameter", "greeting=hey");
        var firstJob = await Daemon.TryAcquireAsync(30);
        await Daemon.CompleteBuildAsync(firstJob!, []);
        var show = await cli.RunAsync("show", "cli-dev");
        var showJson = await cli.RunAsync("show", "cli-dev", "--output", "json");
        var list = await cli.RunAsync("list");
        var stop = await cli.RunAsync("stop", "cli-dev");
        var busy = await cli.RunAsync("start", "cli-dev");
        await Daemon.CompleteBuildAsync((await Daemon.TryAcquireAsync(30))!, []);
        var unconfirmed = await cli.RunAsync("delete", "cli-dev");
        var delete = await cli.RunAsync("delete", "cli-dev", "--yes");

        Assert.Equal(0, create.ExitCode);
        Assert.Equal("cli-dev #1 start pending", create.Stdout.Trim());
        Assert.Contains("Status:     running", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("Parameter:  greeting=hey", show.Stdout, StringComparison.Ordinal);
        Assert.Equal(WorkspaceStatus.Running, JsonSerializer.Deserialize(showJson.Stdout, OutpostJsonContext.Default.Workspace)!.Status);
        Assert.Contains("cli-dev", list.Stdout, StringComparison.Ordinal);
        Assert.Equal("cli-dev #2 stop pending", stop.Stdout.Trim());
        Assert.NotEqual(0, busy.ExitCode);
        Assert.Contains("is still pending", busy.Stderr, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.NotConfirmed, unconfirmed.ExitCode);
        Assert.Equal(0, delete.ExitCode);
        Assert.Equal("cli-dev #3 delete pending", delete.Stdout.Trim());
    }

    [Fact]
    public async Task Unknown_names_are_reported_with_the_closest_ones()
    {
        using var cli = await SignedInAsync();
        await cli.RunAsync("templates", "init", _directory);
        Assert.Equal(0, (await PushAsync(cli, "cli-names")).ExitCode);
        await cli.RunAsync("create", "backend", "--template", "cli-names");

        var template = await cli.RunAsync("create", "other", "--template", "cli-nmes");
        var workspace = await cli.RunAsync("show", "bakend");
        var parameter = await cli.RunAsync("create", "third", "--template", "cli-names", "--parameter", "greting=hi");

        Assert.Contains("did you mean \"cli-names\"", template.Stderr, StringComparison.Ordinal);
        Assert.Contains("did you mean \"backend\"", workspace.Stderr, StringComparison.Ordinal);
        Assert.Contains("unknown parameter \"greting\" (did you mean \"greeting\"?)", parameter.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_with_wait_follows_the_logs_and_reports_a_failed_build()
    {
        using var cli = await SignedInAsync();
        await cli.RunAsync("templates", "init", _directory);
        Assert.Equal(0, (await PushAsync(cli, "cli-wait")).ExitCode);

        var create = cli.RunAsync("create", "waited", "--template", "cli-wait", "--wait");
        var job = await Daemon.TryAcquireAsync(30);
        await Daemon.UpdateAsync(job!.JobId, "creating the directory");
        (await Daemon.FailAsync(job.JobId, "disk full")).Dispose();
        var run = await create.WithTimeout();

        Assert.Equal(ExitCodes.BuildFailed, run.ExitCode);
        Assert.Contains("creating the directory", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("build #1 failed: disk full", run.Stderr, StringComparison.Ordinal);
        Assert.Equal("waited #1 start failed", run.Stdout.Trim());
    }

    [Fact]
    public async Task Provisioner_keys_are_created_listed_and_deleted()
    {
        using var cli = await SignedInAsync();

        var create = await cli.RunAsync("provisioner", "keys", "create", "cli-key");
        var list = await cli.RunAsync("provisioner", "keys", "list", "--output", "json");
        var delete = await cli.RunAsync("provisioner", "keys", "delete", "cli-key");
        var after = await cli.RunAsync("provisioner", "keys", "list");

        Assert.Equal(0, create.ExitCode);
        Assert.Matches("^[a-z0-9]{10}-[A-Za-z0-9]{32}$", create.Stdout.Trim());
        Assert.Contains("\"cli-key\"", list.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(create.Stdout.Trim().Split('-')[1], list.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, delete.ExitCode);
        Assert.DoesNotContain("cli-key", after.Stdout, StringComparison.Ordinal);
    }
}
