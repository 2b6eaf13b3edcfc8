using Outpost.Sdk.Provisioning;

namespace Outpost.Provisioner.Daemon;

/// <summary>
/// Something that turns templates into workspaces (<c>local</c>, <c>terraform</c>). Expected
/// failures (a broken template, a merge error) are returned as values; cancellation is an
/// <see cref="OperationCanceledException"/>; any other exception fails the job with its message.
/// </summary>
internal interface IProvisioner
{
    /// <summary>The name jobs ask for: <c>local</c>.</summary>
    public string Name { get; }

    public Task<ProvisionerResult<TemplateImportResult>> ImportAsync(byte[] archive, IJobLog log, CancellationToken cancellationToken);

    public Task<ProvisionerResult<WorkspaceBuildResult>> BuildAsync(WorkspaceBuildJob job, byte[] archive, IJobLog log, CancellationToken cancellationToken);
}
