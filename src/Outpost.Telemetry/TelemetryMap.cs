using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Outpost.Telemetry;

/// <summary>
/// The properties or measurements of one event: a handful of entries in insertion order, looked
/// up by ordinal key. A flat array beats a hash table here, in time and in allocation, because an
/// event rarely has more than a few keys and every span builds two of these.
/// </summary>
internal sealed class TelemetryMap<TValue> : IReadOnlyDictionary<string, TValue>
{
    private KeyValuePair<string, TValue>[] _entries;
    private int _count;

    public TelemetryMap(int capacity = 4)
    {
        _entries = capacity == 0 ? [] : new KeyValuePair<string, TValue>[capacity];
    }

    public int Count => _count;

    public IEnumerable<string> Keys => this.Select(static entry => entry.Key);

    public IEnumerable<TValue> Values => this.Select(static entry => entry.Value);

    public TValue this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"No entry '{key}'.");

    /// <summary>Adds the entry, or replaces the value in place so the key keeps its first position.</summary>
    public void Set(string key, TValue value)
    {
        ArgumentNullException.ThrowIfNull(key);
        var index = IndexOf(key);
        if (index >= 0)
        {
            _entries[index] = new KeyValuePair<string, TValue>(key, value);
            return;
        }

        if (_count == _entries.Length)
        {
            Array.Resize(ref _entries, Math.Max(4, _count * 2));
        }

        _entries[_count++] = new KeyValuePair<string, TValue>(key, value);
    }

    public void CopyTo(TelemetryMap<TValue> target)
    {
        for (var i = 0; i < _count; i++)
        {
            target.Set(_entries[i].Key, _entries[i].Value);
        }
    }

    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out TValue value)
    {
        var index = IndexOf(key);
        if (index < 0)
        {
            value = default;
            return false;
        }

        value = _entries[index].Value;
        return true;
    }

    public IEnumerator<KeyValuePair<string, TValue>> GetEnumerator()
    {
        for (var i = 0; i < _count; i++)
        {
            yield return _entries[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private int IndexOf(string key)
    {
        var entries = _entries;
        for (var i = 0; i < _count; i++)
        {
            if (string.Equals(entries[i].Key, key, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
