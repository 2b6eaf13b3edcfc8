using System.Globalization;

namespace Outpost.Telemetry.Local;

/// <summary>Converts between in-memory events and the header/row shapes of the local files.</summary>
internal static class TelemetryWireMapping
{
    private static readonly string[] TimestampFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz",
    ];

    /// <summary>UTC ISO-8601 with exactly three fractional digits, e.g. <c>2026-05-04T12:00:00.000Z</c>.</summary>
    public static string FormatTimestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Only real calendar instants parse: <c>2026-02-30T…</c> is rejected (spec §4.3).</summary>
    public static bool TryParseTimestamp(string? text, out DateTimeOffset value)
    {
        return DateTimeOffset.TryParseExact(
            text,
            TimestampFormats,
            CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal,
            out value);
    }

    public static TelemetryFileHeader ToHeader(TelemetryContext context, DateTimeOffset startedAt) => new()
    {
        SchemaVersion = TelemetryEvent.CurrentSchemaVersion,
        Timestamp = FormatTimestamp(startedAt),
        Context = new TelemetryFileContext
        {
            CliVersion = context.CliVersion,
            MachineId = context.MachineId,
            SessionId = context.SessionId,
            OsType = context.OsType,
            OsVersion = context.OsVersion,
            HostArch = context.HostArch,
            PlatformName = context.PlatformName,
            PlatformVersion = context.PlatformVersion,
        },
    };

    public static TelemetryFileRow ToRow(TelemetryEvent telemetryEvent) => new()
    {
        EventId = telemetryEvent.EventId,
        EventName = telemetryEvent.EventName,
        Timestamp = FormatTimestamp(telemetryEvent.Timestamp),
        EventSequence = telemetryEvent.EventSequence,
        Properties = new TelemetryPropertyValues(telemetryEvent.Properties, telemetryEvent.ArrayPropertyKeys),
        Measurements = telemetryEvent.Measurements,
        TraceId = telemetryEvent.TraceId,
        ParentEventId = telemetryEvent.ParentEventId,
        Error = telemetryEvent.Error is { } error
            ? new TelemetryFileError { Message = error.Message, Type = error.Type, Code = error.Code }
            : null,
        DeploymentUrl = telemetryEvent.Context.DeploymentUrl,
    };

    public static TelemetryContext ToContext(TelemetryFileContext context, string deploymentUrl) => new()
    {
        CliVersion = context.CliVersion ?? "unknown",
        MachineId = context.MachineId ?? "",
        SessionId = context.SessionId ?? "",
        OsType = context.OsType ?? "",
        OsVersion = context.OsVersion ?? "",
        HostArch = context.HostArch ?? "",
        PlatformName = context.PlatformName ?? "",
        PlatformVersion = context.PlatformVersion ?? "",
        DeploymentUrl = deploymentUrl,
    };
}
