using System.Text;

namespace Outpost.Agent.Tasks.Tools;

/// <summary>
/// Keeps the first and the last characters of a text too long to keep whole, with a note of what was cut between
/// them: the start of a command's output says what it did, the end how it finished.
/// </summary>
internal sealed class HeadTail(int limit)
{
    private readonly Lock _gate = new();
    private readonly StringBuilder _head = new();
    private readonly StringBuilder _tail = new();
    private long _dropped;

    public static string Cut(string text, int limit, string what = "characters")
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length <= limit)
        {
            return text;
        }

        var half = limit / 2;
        return string.Concat(text.AsSpan(0, half), Note(text.Length - (2 * half), what), text.AsSpan(text.Length - half));
    }

    public void Append(ReadOnlySpan<char> text)
    {
        lock (_gate)
        {
            var half = limit / 2;
            var toHead = Math.Min(text.Length, half - _head.Length);
            _head.Append(text[..toHead]);
            _tail.Append(text[toHead..]);
            if (_tail.Length > half)
            {
                var extra = _tail.Length - half;
                _tail.Remove(0, extra);
                _dropped += extra;
            }
        }
    }

    public override string ToString()
    {
        lock (_gate)
        {
            return _dropped == 0 ? _head.ToString() + _tail : _head + Note(_dropped, "characters") + _tail;
        }
    }

    private static string Note(long count, string what) => $"\n[truncated: {count} {what} in the middle were cut]\n";
}
