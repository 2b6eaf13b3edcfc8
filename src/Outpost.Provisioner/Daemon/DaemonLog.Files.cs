using Microsoft.Extensions.Logging;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Provisioner.Daemon;

/// <summary>The daemon's file transfer events (ids 7200–7219).</summary>
internal static partial class DaemonLog
{
    private const int FilesBase = OutpostEventIds.Terraform;

    [LoggerMessage(EventId = FilesBase, Level = LogLevel.Debug,
        Message = "File {Hash} ({Bytes} bytes) came from the cache")]
    public static partial void FileCacheHit(ILogger logger, string hash, long bytes);

    [LoggerMessage(EventId = FilesBase + 1, Level = LogLevel.Information,
        Message = "Downloaded file {Hash} ({Bytes} bytes in {Chunks} chunk(s)) into the cache")]
    public static partial void FileDownloaded(ILogger logger, string hash, long bytes, int chunks);

    [LoggerMessage(EventId = FilesBase + 2, Level = LogLevel.Warning,
        Message = "The download of file {Hash} was refused (attempt {Attempt}): {Reason}")]
    public static partial void FileTransferRefused(ILogger logger, string hash, int attempt, string reason);
}
