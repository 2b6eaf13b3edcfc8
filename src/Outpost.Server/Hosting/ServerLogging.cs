using Microsoft.Extensions.Logging;

namespace Outpost.Server.Hosting;

/// <summary>One logging setup for the bootstrap logger and the host: JSON lines on stderr.</summary>
internal static class ServerLogging
{
    public static void Configure(ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(LogLevel.Information);
        logging.AddFilter("Microsoft", LogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        logging.AddFilter("Npgsql", LogLevel.Warning);
        // The host logs a failed start with its stack trace; the server reports the cause itself,
        // as one actionable line, so that entry would only repeat it with a trace attached.
        logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        // JSON lines on stderr (stdout is for data), batched: see JsonLinesLogger.
        logging.AddProvider(new JsonLinesLoggerProvider(JsonLinesSink.StandardError));
    }
}
