namespace Outpost.Agent.Sessions;

/// <summary>The last <c>capacity</c> bytes of a terminal's output (a ring; the oldest bytes drop out). Not thread-safe.</summary>
internal sealed class Scrollback(int capacity)
{
    private readonly byte[] _ring = new byte[capacity];
    private int _start;
    private int _count;

    public int Count => _count;

    public void Append(ReadOnlySpan<byte> data)
    {
        if (data.Length >= _ring.Length)
        {
            data[^_ring.Length..].CopyTo(_ring);
            _start = 0;
            _count = _ring.Length;
            return;
        }

        var end = (_start + _count) % _ring.Length;
        var first = Math.Min(data.Length, _ring.Length - end);
        data[..first].CopyTo(_ring.AsSpan(end));
        data[first..].CopyTo(_ring);
        var overflow = Math.Max(0, _count + data.Length - _ring.Length);
        _count = Math.Min(_ring.Length, _count + data.Length);
        _start = (_start + overflow) % _ring.Length;
    }

    public byte[] ToArray()
    {
        var copy = new byte[_count];
        var first = Math.Min(_count, _ring.Length - _start);
        _ring.AsSpan(_start, first).CopyTo(copy);
        _ring.AsSpan(0, _count - first).CopyTo(copy.AsSpan(first));
        return copy;
    }
}
