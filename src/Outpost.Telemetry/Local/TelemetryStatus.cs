using System.Text.Json.Serialization;

namespace Outpost.Telemetry.Local;

/// <summary>What <c>outpost telemetry status</c> reports: the switch, where files live and how much is kept.</summary>
public sealed record TelemetryStatus
{
    public required string Level { get; init; }

    public required string Directory { get; init; }

    public required bool DirectoryExists { get; init; }

    public required int FileCount { get; init; }

    public required long TotalBytes { get; init; }

    public required int SessionCount { get; init; }

    public string? OldestFileDate { get; init; }

    public string? NewestFileDate { get; init; }

    public required LocalTelemetrySettings Settings { get; init; }

    /// <summary>The status as the environment and the telemetry directory say it now.</summary>
    public static TelemetryStatus Collect(Func<string, string?> environment) => Collect(environment, null);

    internal static TelemetryStatus Collect(Func<string, string?> environment, ITelemetryFileSystem? files)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var directory = TelemetryPaths.ResolveDirectory(environment);
        var catalog = TelemetryFileCatalog.List(directory, files);
        return new TelemetryStatus
        {
            Level = TelemetryLevels.ToWire(TelemetryLevels.Parse(environment(TelemetryLevels.EnvironmentVariable))),
            Directory = directory,
            DirectoryExists = System.IO.Directory.Exists(directory),
            FileCount = catalog.Count,
            TotalBytes = catalog.Sum(static f => f.Length),
            SessionCount = catalog.Select(static f => f.Name.Session).Distinct(StringComparer.Ordinal).Count(),
            OldestFileDate = catalog.Count == 0 ? null : catalog[0].Name.Date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            NewestFileDate = catalog.Count == 0 ? null : catalog[^1].Name.Date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            Settings = LocalTelemetrySettings.Parse(environment(LocalTelemetrySettings.EnvironmentVariable)),
        };
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(TelemetryStatus))]
public sealed partial class TelemetryStatusJsonContext : JsonSerializerContext;
