using System.Collections;
using System.Globalization;
using Outpost.Telemetry.Redaction;

namespace Outpost.Telemetry;

/// <summary>
/// Caller-supplied event properties. Values are converted to strings on the way in (spec §2.4)
/// and redacted, so nothing later can see the raw value. Supports collection initializers:
/// <c>new() { { "trigger", "reactive" }, { "refreshAttempted", false } }</c>.
/// </summary>
public sealed class TelemetryProperties : IEnumerable<KeyValuePair<string, string>>
{
    private readonly TelemetryMap<string> _values = new();
    private HashSet<string>? _arrayKeys;

    public int Count => _values.Count;

    public string this[string key]
    {
        get => _values[key];
        set => Add(key, value);
    }

    public void Add(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        _arrayKeys?.Remove(key);
        _values.Set(key, TelemetryRedactor.RedactProperty(key, value ?? ""));
    }

    /// <summary>A list value, written as a JSON array of strings; each element is redacted like a string value.</summary>
    public void Add(string key, IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(values);
        _values.Set(key, TelemetryPropertyValues.ToJsonArray(values.Select(value => TelemetryRedactor.RedactProperty(key, value ?? ""))));
        (_arrayKeys ??= new HashSet<string>(StringComparer.Ordinal)).Add(key);
    }

    /// <summary>The keys added as lists, or null.</summary>
    internal IReadOnlySet<string>? ArrayKeys => _arrayKeys is { Count: > 0 } ? _arrayKeys : null;

    public void Add(string key, bool value)
    {
        ArgumentNullException.ThrowIfNull(key);
        _arrayKeys?.Remove(key);
        _values.Set(key, TelemetryValues.ToPropertyString(value));
    }

    public void Add(string key, long value)
    {
        ArgumentNullException.ThrowIfNull(key);
        _arrayKeys?.Remove(key);
        _values.Set(key, TelemetryValues.ToPropertyString(value));
    }

    public void Add(string key, double value)
    {
        ArgumentNullException.ThrowIfNull(key);
        _arrayKeys?.Remove(key);
        _values.Set(key, TelemetryValues.ToPropertyString(value));
    }

    internal void CopyTo(TelemetryMap<string> target) => _values.CopyTo(target);

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>Caller-supplied numeric measurements, copied at span start like properties.</summary>
public sealed class TelemetryMeasurements : IEnumerable<KeyValuePair<string, double>>
{
    private readonly TelemetryMap<double> _values = new();

    public int Count => _values.Count;

    public double this[string key]
    {
        get => _values[key];
        set => Add(key, value);
    }

    public void Add(string key, double value)
    {
        ArgumentNullException.ThrowIfNull(key);
        _values.Set(key, value);
    }

    internal void CopyTo(TelemetryMap<double> target) => _values.CopyTo(target);

    public IEnumerator<KeyValuePair<string, double>> GetEnumerator() => _values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>The property value conversion rules of spec §2.4.</summary>
internal static class TelemetryValues
{
    public static string ToPropertyString(bool value) => value ? "true" : "false";

    public static string ToPropertyString(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Shortest round-trip form in the invariant culture, which already prints integral values
    /// without a decimal point (<c>1.0</c> → <c>"1"</c>), matching JavaScript's number-to-string.
    /// </summary>
    public static string ToPropertyString(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
