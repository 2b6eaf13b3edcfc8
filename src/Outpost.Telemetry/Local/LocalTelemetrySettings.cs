using System.Text.Json;

namespace Outpost.Telemetry.Local;

/// <summary>
/// The local storage settings of spec §3, read from the JSON object in
/// <c>OUTPOST_TELEMETRY_LOCAL</c>. Each field is validated on its own and a bad value falls back
/// to the default, never to the minimum.
/// </summary>
public sealed record LocalTelemetrySettings
{
    public const string EnvironmentVariable = "OUTPOST_TELEMETRY_LOCAL";

    public static readonly LocalTelemetrySettings Default = new();

    public int FlushIntervalMs { get; init; } = 15_000;

    public int FlushBatchSize { get; init; } = 100;

    public int BufferLimit { get; init; } = 500;

    public long MaxFileBytes { get; init; } = 5L * 1024 * 1024;

    public int MaxAgeDays { get; init; } = 30;

    public long MaxTotalBytes { get; init; } = 100L * 1024 * 1024;

    /// <summary>The spec's warning case: a buffer that overflows before the batch trigger can fire.</summary>
    public bool BatchTriggerUnreachable => BufferLimit < FlushBatchSize;

    /// <summary>Anything that is not a JSON object (including invalid JSON) gives every default.</summary>
    public static LocalTelemetrySettings Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return Default;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Default;
            }

            return new LocalTelemetrySettings
            {
                FlushIntervalMs = (int)Field(root, "flushIntervalMs", Default.FlushIntervalMs, 1_000, int.MaxValue),
                FlushBatchSize = (int)Field(root, "flushBatchSize", Default.FlushBatchSize, 1, int.MaxValue),
                BufferLimit = (int)Field(root, "bufferLimit", Default.BufferLimit, 10, int.MaxValue),
                MaxFileBytes = Field(root, "maxFileBytes", Default.MaxFileBytes, 4_096, long.MaxValue),
                MaxAgeDays = (int)Field(root, "maxAgeDays", Default.MaxAgeDays, 1, 36_500),
                MaxTotalBytes = Field(root, "maxTotalBytes", Default.MaxTotalBytes, 4_096, long.MaxValue),
            };
        }
        catch (JsonException)
        {
            return Default;
        }
    }

    private static long Field(JsonElement root, string name, long fallback, long minimum, long maximum)
    {
        if (!root.TryGetProperty(name, out var value)
            || value.ValueKind != JsonValueKind.Number
            || !value.TryGetDouble(out var number)
            || !double.IsFinite(number)
            || number < minimum)
        {
            return fallback;
        }

        // Values past what the field can hold are treated as "as large as possible", not as bad input.
        return number >= maximum ? maximum : (long)Math.Floor(number);
    }
}
