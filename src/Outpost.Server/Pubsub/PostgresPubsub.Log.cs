using Microsoft.Extensions.Logging;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Server.Pubsub;

internal sealed partial class PostgresPubsub
{
    private static partial class Log
    {
        [LoggerMessage(EventId = OutpostEventIds.Pubsub + 1, Level = LogLevel.Information,
            Message = "Pubsub listener connected (backend {ProcessId}, application_name {ApplicationName})")]
        public static partial void ListenerStarted(ILogger logger, int processId, string applicationName);

        [LoggerMessage(EventId = OutpostEventIds.Pubsub + 2, Level = LogLevel.Warning,
            Message = "Pubsub listener failed (attempt {Attempt}): {Reason}; reconnecting in {DelayMs} ms")]
        public static partial void ListenerFailed(ILogger logger, int attempt, string reason, double delayMs, Exception exception);

        [LoggerMessage(EventId = OutpostEventIds.Pubsub + 3, Level = LogLevel.Information,
            Message = "Pubsub listener reconnected after {Attempts} attempts; listening on {ChannelCount} channels, {SubscriberCount} subscribers told to resync")]
        public static partial void Reconnected(ILogger logger, int attempts, int channelCount, int subscriberCount);

        [LoggerMessage(EventId = OutpostEventIds.Pubsub + 4, Level = LogLevel.Warning,
            Message = "Pubsub subscriber on {Channel} fell behind: its queue of {Capacity} is full, payloads are being dropped ({SubscriberCount} subscribers)")]
        public static partial void SubscriberOverflow(ILogger logger, string channel, int subscriberCount, int capacity);

        [LoggerMessage(EventId = OutpostEventIds.Pubsub + 5, Level = LogLevel.Debug,
            Message = "Pubsub listening on {Channel}")]
        public static partial void Listening(ILogger logger, string channel);

        [LoggerMessage(EventId = OutpostEventIds.Pubsub + 6, Level = LogLevel.Debug,
            Message = "Pubsub stopped listening on {Channel}")]
        public static partial void Unlistened(ILogger logger, string channel);

        [LoggerMessage(EventId = OutpostEventIds.Pubsub + 7, Level = LogLevel.Debug,
            Message = "Pubsub listener connection did not close cleanly: {Reason}")]
        public static partial void CloseFailed(ILogger logger, string reason);

        [LoggerMessage(EventId = OutpostEventIds.Pubsub + 8, Level = LogLevel.Information,
            Message = "Pubsub listener stopped")]
        public static partial void ListenerStopped(ILogger logger);
    }
}
