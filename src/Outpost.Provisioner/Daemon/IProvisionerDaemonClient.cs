using Outpost.Sdk.Provisioning;

namespace Outpost.Provisioner.Daemon;

/// <summary>
/// The daemon's view of the provisioner daemon API, so the daemon loop can run against an
/// in-memory fake in tests. <see cref="HttpProvisionerDaemonClient"/> is the real one.
/// </summary>
internal interface IProvisionerDaemonClient
{
    /// <summary>A job, or null when none arrived within the long-poll.</summary>
    public Task<AcquiredJob?> AcquireAsync(AcquireJobRequest request, CancellationToken cancellationToken);

    public Task<UpdateJobResponse> UpdateJobAsync(Guid jobId, UpdateJobRequest request, CancellationToken cancellationToken);

    /// <summary>Completes the job; the next job when the request asked for one and one was queued.</summary>
    public Task<AcquiredJob?> CompleteJobAsync(Guid jobId, CompleteJobRequest request, CancellationToken cancellationToken);

    public Task FailJobAsync(Guid jobId, FailJobRequest request, CancellationToken cancellationToken);

    /// <summary>The header of a stored file (size, chunk count).</summary>
    public Task<FileDownload> GetFileAsync(string hash, CancellationToken cancellationToken);

    /// <summary>One piece of a stored file.</summary>
    public Task<FileChunk> GetFileChunkAsync(string hash, int index, CancellationToken cancellationToken);

    /// <summary>Stores a file an import made (a modules archive); answers its hash.</summary>
    public Task<string> UploadFileAsync(byte[] data, CancellationToken cancellationToken);
}
