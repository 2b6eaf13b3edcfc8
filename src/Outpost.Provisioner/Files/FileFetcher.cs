using Microsoft.Extensions.Logging;
using Outpost.Provisioner.Daemon;
using Outpost.Sdk.Client;

namespace Outpost.Provisioner.Files;

/// <summary>
/// Gets a job's files by hash: from the <see cref="FileCache"/> when it holds them, otherwise
/// downloaded chunk by chunk, verified and cached. A transfer that is refused (a piece of another
/// file, out of order, a wrong hash) is retried from the start a few times, then fails the job.
/// </summary>
internal sealed class FileFetcher(IProvisionerDaemonClient client, FileCache cache, long maxFileBytes, ILogger logger)
{
    public const int Attempts = 3;

    public async Task<byte[]> GetAsync(string hash, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(hash);
        if (cache.TryGet(hash) is { } cached)
        {
            DaemonLog.FileCacheHit(logger, hash, cached.Length);
            return cached;
        }

        FileTransferException? last = null;
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            try
            {
                var header = await client.GetFileAsync(hash, cancellationToken).ConfigureAwait(false);
                if (!string.Equals(header.Hash, hash, StringComparison.Ordinal))
                {
                    throw new FileTransferException($"asked for file {hash}, the server described {header.Hash}");
                }

                var assembler = new ChunkAssembler(header, maxFileBytes);
                for (var index = 0; index < header.Chunks; index++)
                {
                    assembler.Add(await client.GetFileChunkAsync(hash, index, cancellationToken).ConfigureAwait(false));
                }

                var data = assembler.Complete();
                cache.Put(hash, data);
                DaemonLog.FileDownloaded(logger, hash, data.Length, header.Chunks);
                return data;
            }
            catch (FileTransferException ex)
            {
                last = ex;
                DaemonLog.FileTransferRefused(logger, hash, attempt, ex.Message);
            }
        }

        throw new FileTransferException($"could not download file {hash} after {Attempts} attempts: {last!.Message}");
    }
}
