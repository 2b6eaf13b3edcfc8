using System.Text;

namespace Outpost.Agent.Scripts;

/// <summary>
/// Reads text line by line without ever holding more than <paramref name="maxLineChars"/> of one line:
/// a longer line is cut into pieces of that size, each its own log line, so a script that prints
/// megabytes without a newline costs bounded memory and loses nothing.
/// </summary>
internal sealed class LineSplitter(TextReader reader, int maxLineChars)
{
    private readonly char[] _buffer = new char[Math.Min(8192, maxLineChars)];
    private readonly StringBuilder _line = new();
    private int _start;
    private int _end;

    /// <summary>The next line without its terminator, or null at the end of the stream.</summary>
    public async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_start == _end)
            {
                _start = 0;
                _end = await reader.ReadAsync(_buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
                if (_end == 0)
                {
                    return TakeLine(atEnd: true);
                }
            }

            for (var i = _start; i < _end; i++)
            {
                var c = _buffer[i];
                if (c == '\n')
                {
                    _line.Append(_buffer, _start, i - _start);
                    _start = i + 1;
                    return TakeLine(atEnd: false);
                }

                if (_line.Length + (i - _start) + 1 >= maxLineChars)
                {
                    _line.Append(_buffer, _start, i - _start + 1);
                    _start = i + 1;
                    return TakeLine(atEnd: false);
                }
            }

            _line.Append(_buffer, _start, _end - _start);
            _start = _end;
        }
    }

    private string? TakeLine(bool atEnd)
    {
        if (atEnd && _line.Length == 0)
        {
            return null;
        }

        if (_line.Length > 0 && _line[^1] == '\r')
        {
            _line.Length--;
        }

        var line = _line.ToString();
        _line.Clear();
        return line;
    }
}
