using Microsoft.Extensions.Logging;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Server.Database;

internal sealed partial class EmbeddedPostgres
{
    private static partial class Log
    {
        [LoggerMessage(EventId = OutpostEventIds.EmbeddedPostgres + 1, Level = LogLevel.Information,
            Message = "Initializing a new embedded PostgreSQL cluster in {ClusterDirectory}")]
        public static partial void Initializing(ILogger logger, string clusterDirectory);

        [LoggerMessage(EventId = OutpostEventIds.EmbeddedPostgres + 2, Level = LogLevel.Information,
            Message = "Embedded PostgreSQL is ready on 127.0.0.1:{Port} (cluster {ClusterDirectory})")]
        public static partial void Started(ILogger logger, int port, string clusterDirectory);

        [LoggerMessage(EventId = OutpostEventIds.EmbeddedPostgres + 3, Level = LogLevel.Information,
            Message = "Embedded PostgreSQL in {ClusterDirectory} stopped")]
        public static partial void Stopped(ILogger logger, string clusterDirectory);

        [LoggerMessage(EventId = OutpostEventIds.EmbeddedPostgres + 4, Level = LogLevel.Warning,
            Message = "Embedded PostgreSQL in {ClusterDirectory} did not stop cleanly: {Output}")]
        public static partial void StopFailed(ILogger logger, string clusterDirectory, string output);

        [LoggerMessage(EventId = OutpostEventIds.EmbeddedPostgres + 5, Level = LogLevel.Warning,
            Message = "A PostgreSQL left running by an earlier server (pid {Pid}) holds {ClusterDirectory}; stopping it before starting afresh")]
        public static partial void StoppingLeftover(ILogger logger, int pid, string clusterDirectory);

        [LoggerMessage(EventId = OutpostEventIds.EmbeddedPostgres + 6, Level = LogLevel.Warning,
            Message = "Removing the stale lock file {PidFile} left by a PostgreSQL that is no longer running")]
        public static partial void RemovingStalePidFile(ILogger logger, string pidFile);

        [LoggerMessage(EventId = OutpostEventIds.EmbeddedPostgres + 7, Level = LogLevel.Warning,
            Message = "Granted search permission on {Directory} so the postgres system user can reach the embedded cluster")]
        public static partial void GrantedSearch(ILogger logger, string directory);
    }
}
