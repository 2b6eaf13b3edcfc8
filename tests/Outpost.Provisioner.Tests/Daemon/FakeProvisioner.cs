using Outpost.Provisioner.Daemon;
using Outpost.Sdk.Provisioning;

namespace Outpost.Provisioner.Tests.Daemon;

/// <summary>A provisioner whose every run a test scripts: it says when it started and does what <see cref="Run"/> says.</summary>
internal sealed class FakeProvisioner : IProvisioner
{
    private TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Name => "local";

    /// <summary>The body of each run; by default it succeeds at once.</summary>
    public Func<IJobLog, CancellationToken, Task> Run { get; set; } = (_, _) => Task.CompletedTask;

    public Task Started => _started.Task;

    public async Task<ProvisionerResult<TemplateImportResult>> ImportAsync(byte[] archive, IJobLog log, CancellationToken cancellationToken)
    {
        _started.TrySetResult();
        await Run(log, cancellationToken);
        return ProvisionerResult<TemplateImportResult>.Ok(new TemplateImportResult { Parameters = [], Resources = [] });
    }

    public async Task<ProvisionerResult<WorkspaceBuildResult>> BuildAsync(WorkspaceBuildJob job, byte[] archive, IJobLog log, CancellationToken cancellationToken)
    {
        _started.TrySetResult();
        await Run(log, cancellationToken);
        return ProvisionerResult<WorkspaceBuildResult>.Ok(new WorkspaceBuildResult { Resources = [], State = [1, 2, 3] });
    }

    /// <summary>Blocks each run until <paramref name="release"/> completes (or the job is canceled).</summary>
    public void BlockUntil(Task release) => Run = (_, ct) => release.WaitAsync(ct);

    public void ResetStarted() => _started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
}
