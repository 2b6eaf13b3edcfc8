using System.Globalization;
using System.Text.Json.Serialization;
using Outpost.Sdk.Diagnostics;
using Outpost.Telemetry;

namespace Outpost.Cli.Diagnose;

/// <summary>
/// One thing that happened to the workspace, from the server's timeline (<see cref="Origin"/> <c>server</c>) or from this
/// machine's telemetry (<c>client</c>), in one shape so the rules read both alike.
/// </summary>
internal sealed record DiagnosisRecord
{
    public required DateTimeOffset Time { get; init; }

    /// <summary><c>server</c> or <c>client</c>.</summary>
    public required string Origin { get; init; }

    /// <summary>The server's source (<c>build</c>, <c>agent</c>, <c>control_plane</c>, <c>session</c>) or <c>client</c>.</summary>
    public required string Source { get; init; }

    /// <summary>The timeline's kind (<c>build.failed</c>, …) or the telemetry event's name (<c>workspace.connection.opened</c>, …).</summary>
    public required string Kind { get; init; }

    public int? BuildNumber { get; init; }

    public string? Agent { get; init; }

    /// <summary>The layer's fields; for client events their properties, measurements (as text) and the span's result.</summary>
    public required IReadOnlyDictionary<string, string> Fields { get; init; }

    public string Field(string name) => Fields.GetValueOrDefault(name, string.Empty);

    /// <summary>A field read as a number of milliseconds, when it is one.</summary>
    public double? Milliseconds(string name) =>
        double.TryParse(Field(name), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;

    public static DiagnosisRecord FromServer(TimelineEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return new DiagnosisRecord
        {
            Time = entry.Time,
            Origin = "server",
            Source = Sdk.WireName.Of(entry.Source),
            Kind = entry.Kind,
            BuildNumber = entry.BuildNumber,
            Agent = entry.Agent,
            Fields = entry.Fields,
        };
    }

    public static DiagnosisRecord FromClient(TelemetryEvent telemetry)
    {
        ArgumentNullException.ThrowIfNull(telemetry);
        var fields = new Dictionary<string, string>(telemetry.Properties, StringComparer.Ordinal);
        foreach (var (name, value) in telemetry.Measurements)
        {
            fields[name] = value.ToString("0.###", CultureInfo.InvariantCulture);
        }

        if (telemetry.Error is { } error)
        {
            fields["errorMessage"] = error.Message;
        }

        return new DiagnosisRecord
        {
            Time = telemetry.Timestamp,
            Origin = "client",
            Source = "client",
            Kind = telemetry.EventName,
            Agent = telemetry.Properties.GetValueOrDefault("agentName"),
            Fields = fields,
        };
    }
}

/// <summary>Whether an incident needs looking into.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Verdict>))]
internal enum Verdict
{
    /// <summary>Something that happens in normal use (a stop, a cancel, a graceful end).</summary>
    [JsonStringEnumMemberName("expected")]
    Expected,

    /// <summary>Something went wrong; the advice says where to look.</summary>
    [JsonStringEnumMemberName("investigate")]
    Investigate,
}

/// <summary>One incident: the record it explains, the verdict, whose side it happened on, a sentence and what to do.</summary>
internal sealed record Incident
{
    public required DateTimeOffset Time { get; init; }

    /// <summary>The rule that explained it (<see cref="DiagnosisRules"/>).</summary>
    public required string Rule { get; init; }

    public required Verdict Verdict { get; init; }

    /// <summary><c>client</c>, <c>network</c>, <c>server</c>, <c>provisioner</c>, <c>agent</c>, <c>workspace</c> or <c>ai_provider</c>.</summary>
    public required string Side { get; init; }

    public required string What { get; init; }

    public required string Advice { get; init; }
}
