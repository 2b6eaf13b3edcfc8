using Outpost.Sdk.Files;
using Outpost.Sdk.Provisioning;

namespace Outpost.Sdk.Client;

/// <summary>
/// The provisioner daemon API as a daemon uses it. <see cref="ProvisionerDaemonClient"/> is the HTTP
/// one; a daemon's tests run its loop against an in-memory fake.
/// </summary>
public interface IProvisionerDaemonClient
{
    /// <summary>A job, or null when none arrived within the long-poll.</summary>
    public Task<AcquiredJob?> AcquireAsync(AcquireJobRequest request, CancellationToken cancellationToken);

    /// <summary>Appends logs and heartbeats; the answer says whether the job was canceled.</summary>
    public Task<UpdateJobResponse> UpdateJobAsync(Guid jobId, UpdateJobRequest request, CancellationToken cancellationToken);

    /// <summary>Completes the job; the next job when the request asked for one and one was queued.</summary>
    public Task<AcquiredJob?> CompleteJobAsync(Guid jobId, CompleteJobRequest request, CancellationToken cancellationToken);

    /// <summary>Fails the job with a reason users will read.</summary>
    public Task FailJobAsync(Guid jobId, FailJobRequest request, CancellationToken cancellationToken);

    /// <summary>The header of a stored file (size, chunk count).</summary>
    public Task<FileDownload> GetFileAsync(string hash, CancellationToken cancellationToken);

    /// <summary>One piece of a stored file.</summary>
    public Task<FileChunk> GetFileChunkAsync(string hash, int index, CancellationToken cancellationToken);

    /// <summary>Stores a file an import made (a modules archive); the answer carries its hash.</summary>
    public Task<UploadResponse> UploadFileAsync(byte[] tar, CancellationToken cancellationToken);
}
