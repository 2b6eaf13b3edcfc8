using Outpost.Sdk.Provisioning;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Workspaces;

/// <summary>A signed-in CLI against the clocked server, with a starter template in a temporary directory and a test daemon.</summary>
internal sealed class WorkspaceTestBed(ClockedServerFixture server) : IDisposable
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("outpost-cli-template-").FullName;

    public TestDaemon Daemon => new(server.Client, server.DaemonKey);

    public async Task<TestCli> SignedInAsync()
    {
        var cli = new TestCli();
        var login = await cli.RunAsync("login", server.BaseAddress.ToString(), "--email", ClockedServerFixture.OwnerEmail, "--password", ClockedServerFixture.OwnerPassword);
        Assert.Equal(0, login.ExitCode);
        return cli;
    }

    /// <summary>Runs <c>templates push</c> while this test plays the daemon that imports it.</summary>
    public async Task<CliRun> PushAsync(TestCli cli, string name)
    {
        await Daemon.DrainAsync();
        var push = cli.RunAsync("templates", "push", name, "--directory", Directory, "--yes");
        AcquiredJob? job = null;
        using var deadline = new CancellationTokenSource(TestTimeouts.Default);
        while (job is null && !push.IsCompleted && !deadline.IsCancellationRequested)
        {
            job = await Daemon.TryAcquireAsync(5);
        }

        if (job is null)
        {
            var ended = push.IsCompleted ? await push : null;
            Assert.Fail(ended is null
                ? "templates push queued no import within the test's timeout"
                : $"templates push ended (exit {ended.ExitCode}) without queuing an import: {ended.Stderr}{ended.Stdout}");
        }

        Assert.Equal(ProvisionerJobType.TemplateVersionImport, job.Type);
        await Daemon.CompleteImportAsync(job);
        return await push.WithTimeout();
    }

    /// <summary>A signed-in CLI with the starter template pushed as <paramref name="template"/>.</summary>
    public async Task<TestCli> WithTemplateAsync(string template)
    {
        var cli = await SignedInAsync();
        if (!File.Exists(Path.Combine(Directory, "outpost.yaml")))
        {
            Assert.Equal(0, (await cli.RunAsync("templates", "init", Directory)).ExitCode);
        }

        Assert.Equal(0, (await PushAsync(cli, template)).ExitCode);
        return cli;
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
