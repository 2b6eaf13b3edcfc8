using Microsoft.Extensions.Logging.Abstractions;
using Outpost.Provisioner.Daemon;
using Outpost.Sdk.Provisioning;
using Outpost.Testing;

namespace Outpost.Provisioner.Tests.Daemon;

/// <summary>A daemon over the in-memory client and provisioner, on a fake clock.</summary>
internal sealed class DaemonHarness : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();

    public DaemonHarness(Func<ProvisionerDaemonOptions, ProvisionerDaemonOptions>? configure = null)
    {
        var options = new ProvisionerDaemonOptions
        {
            Name = "test-daemon",
            WorkspacesDirectory = "/tmp/outpost-unused",
            CacheDirectory = Path.Join(Path.GetTempPath(), "outpost-daemon-cache-" + Guid.NewGuid().ToString("N")),
            // Retries happen at once: these tests are about whether they happen, Backoff's tests about when.
            RetryInitialDelay = TimeSpan.Zero,
            RetryMaxDelay = TimeSpan.Zero,
        };
        Options = configure?.Invoke(options) ?? options;
        Daemon = new ProvisionerDaemon(Client, [Provisioner], Options, NullLogger.Instance, Clock);
    }

    public FakeTimeProvider Clock { get; } = new();

    public FakeDaemonClient Client { get; } = new();

    public FakeProvisioner Provisioner { get; } = new();

    public ProvisionerDaemonOptions Options { get; }

    public ProvisionerDaemon Daemon { get; }

    public Task<ProvisionerDaemonExit>? Run { get; private set; }

    public Task<ProvisionerDaemonExit> Start() => Run = Daemon.RunAsync(_stop.Token);

    public void Stop() => _stop.Cancel();

    public Task<JobResult> NextResultAsync() => Client.Results.Reader.ReadAsync().AsTask().WithTimeout(TestTimeouts.Short);

    public static AcquiredJob ImportJob() => new()
    {
        JobId = Guid.NewGuid(),
        Type = ProvisionerJobType.TemplateVersionImport,
        Provisioner = "local",
        CreatedAt = DateTimeOffset.UnixEpoch,
        TemplateFileHash = FakeDaemonClient.EmptyFileHash,
        TemplateImport = new TemplateImportJob { TemplateVersionId = Guid.NewGuid() },
    };

    public static AcquiredJob BuildJob() => new()
    {
        JobId = Guid.NewGuid(),
        Type = ProvisionerJobType.WorkspaceBuild,
        Provisioner = "local",
        CreatedAt = DateTimeOffset.UnixEpoch,
        TemplateFileHash = FakeDaemonClient.EmptyFileHash,
        WorkspaceBuild = new WorkspaceBuildJob
        {
            BuildId = Guid.NewGuid(),
            WorkspaceId = Guid.NewGuid(),
            WorkspaceName = "dev",
            OwnerId = Guid.NewGuid(),
            OwnerName = "alice",
            TemplateName = "starter",
            TemplateVersionId = Guid.NewGuid(),
            BuildNumber = 1,
            Transition = WorkspaceTransition.Start,
            Parameters = [],
            PreviousState = [],
            AccessUrl = "http://127.0.0.1:3000",
        },
    };

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (Run is not null)
        {
            // A test that left a job blocked still ends: the grace timer is on the fake clock.
            Clock.Advance(Options.ShutdownGracePeriod);
            await Run.WithTimeout(TestTimeouts.Short);
        }

        Assert.Empty(Client.Violations);
        _stop.Dispose();
        if (Directory.Exists(Options.EffectiveCacheDirectory))
        {
            Directory.Delete(Options.EffectiveCacheDirectory, recursive: true);
        }
    }
}
