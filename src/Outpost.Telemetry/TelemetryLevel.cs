namespace Outpost.Telemetry;

/// <summary>Ordered so that a sink receives an event when its minimum level is at or below the effective one.</summary>
public enum TelemetryLevel
{
    Off = 0,
    Local = 1,
}

internal static class TelemetryLevels
{
    /// <summary>The documented opt-out switch.</summary>
    public const string EnvironmentVariable = "OUTPOST_TELEMETRY";

    /// <summary>
    /// Spec §2.8: only <c>off</c> and <c>local</c> mean anything; every other value, including a
    /// missing one or a future level name, falls back to <c>local</c>. Case is ignored so that an
    /// opt-out typed as <c>OFF</c> is honoured.
    /// </summary>
    public static TelemetryLevel Parse(string? value)
    {
        return string.Equals(value?.Trim(), "off", StringComparison.OrdinalIgnoreCase)
            ? TelemetryLevel.Off
            : TelemetryLevel.Local;
    }

    public static string ToWire(TelemetryLevel level) => level == TelemetryLevel.Off ? "off" : "local";
}
