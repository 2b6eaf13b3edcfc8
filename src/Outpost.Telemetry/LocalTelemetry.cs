using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Outpost.Telemetry.Local;

namespace Outpost.Telemetry;

/// <summary>Everything needed to build the local reporter; unset members come from the environment.</summary>
public sealed record LocalTelemetryOptions
{
    public string? Directory { get; init; }

    public TelemetryLevel? Level { get; init; }

    public LocalTelemetrySettings? Settings { get; init; }

    public TelemetryContext? Context { get; init; }

    public TimeProvider? TimeProvider { get; init; }

    public ILogger? Logger { get; init; }

    public ITelemetryFileSystem? FileSystem { get; init; }

    /// <summary>Where variables are read from; tests pass a dictionary lookup.</summary>
    public Func<string, string?>? Environment { get; init; }
}

/// <summary>
/// Creates the reporter a process records into: the JSONL sink in the per-user directory, or, with
/// <c>OUTPOST_TELEMETRY=off</c>, a service with no sink at all so nothing touches the disk.
/// </summary>
public static class LocalTelemetry
{
    public static TelemetryService Create(LocalTelemetryOptions? options = null)
    {
        options ??= new LocalTelemetryOptions();
        var environment = options.Environment ?? System.Environment.GetEnvironmentVariable;
        var level = options.Level ?? TelemetryLevels.Parse(environment(TelemetryLevels.EnvironmentVariable));
        var time = options.TimeProvider ?? TimeProvider.System;
        var logger = options.Logger ?? NullLogger.Instance;
        var context = options.Context ?? TelemetrySessionContext.Create();
        if (level == TelemetryLevel.Off)
        {
            return new TelemetryService(context, [], level, time, logger);
        }

        var directory = options.Directory ?? TelemetryPaths.ResolveDirectory(environment);
        var settings = options.Settings ?? LocalTelemetrySettings.Parse(environment(LocalTelemetrySettings.EnvironmentVariable));
        var sink = LocalJsonlSink.Start(directory, context, settings, time, logger, options.FileSystem);
        return new TelemetryService(context, [sink], level, time, logger);
    }
}
