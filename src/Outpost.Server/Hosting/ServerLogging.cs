using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Console;

namespace Outpost.Server.Hosting;

/// <summary>How <c>outpost server</c> writes its logs (<c>--log-format</c>).</summary>
internal enum ServerLogFormat
{
    /// <summary>Human-readable lines when stderr is a terminal, JSON lines otherwise.</summary>
    Auto,

    /// <summary>One JSON object per line, for log collectors.</summary>
    Json,

    /// <summary>One readable line per entry: time, level, event id, category and message.</summary>
    Human,
}

/// <summary>One logging setup for the bootstrap logger and the host, on stderr (stdout is for data).</summary>
internal static class ServerLogging
{
    public static void Configure(ILoggingBuilder logging) => Configure(logging, ServerLogFormat.Json);

    /// <summary>Auto resolved: human on a terminal, JSON when stderr goes to a file or a pipe.</summary>
    public static ServerLogFormat Resolve(ServerLogFormat format) =>
        format != ServerLogFormat.Auto ? format : Console.IsErrorRedirected ? ServerLogFormat.Json : ServerLogFormat.Human;

    public static void Configure(ILoggingBuilder logging, ServerLogFormat format)
    {
        ArgumentNullException.ThrowIfNull(logging);
        logging.ClearProviders();
        logging.SetMinimumLevel(LogLevel.Information);
        logging.AddFilter("Microsoft", LogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        logging.AddFilter("Npgsql", LogLevel.Warning);
        // The host logs a failed start with its stack trace; the server reports the cause itself,
        // as one actionable line, so that entry would only repeat it with a trace attached.
        logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        if (Resolve(format) == ServerLogFormat.Human)
        {
            logging.AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.TimestampFormat = "HH:mm:ss ";
                console.IncludeScopes = false;
            });
            logging.Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
            return;
        }

        // JSON lines on stderr, batched: see JsonLinesLogger.
        logging.AddProvider(new JsonLinesLoggerProvider(JsonLinesSink.StandardError));
    }
}
