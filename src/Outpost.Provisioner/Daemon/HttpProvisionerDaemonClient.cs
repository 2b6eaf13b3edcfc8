using Outpost.Sdk.Client;
using Outpost.Sdk.Provisioning;

namespace Outpost.Provisioner.Daemon;

/// <summary>The daemon API over HTTP, through the Sdk's typed client.</summary>
internal sealed class HttpProvisionerDaemonClient(ProvisionerDaemonClient client) : IProvisionerDaemonClient
{
    public Task<AcquiredJob?> AcquireAsync(AcquireJobRequest request, CancellationToken cancellationToken) =>
        client.AcquireAsync(request, cancellationToken);

    public Task<UpdateJobResponse> UpdateJobAsync(Guid jobId, UpdateJobRequest request, CancellationToken cancellationToken) =>
        client.UpdateJobAsync(jobId, request, cancellationToken);

    public Task<AcquiredJob?> CompleteJobAsync(Guid jobId, CompleteJobRequest request, CancellationToken cancellationToken) =>
        client.CompleteJobAsync(jobId, request, cancellationToken);

    public Task FailJobAsync(Guid jobId, FailJobRequest request, CancellationToken cancellationToken) =>
        client.FailJobAsync(jobId, request, cancellationToken);

    public Task<FileDownload> GetFileAsync(string hash, CancellationToken cancellationToken) =>
        client.GetFileAsync(hash, cancellationToken);

    public Task<FileChunk> GetFileChunkAsync(string hash, int index, CancellationToken cancellationToken) =>
        client.GetFileChunkAsync(hash, index, cancellationToken);

    public async Task<string> UploadFileAsync(byte[] data, CancellationToken cancellationToken) =>
        (await client.UploadFileAsync(data, cancellationToken).ConfigureAwait(false)).Hash;
}
