using System.Text;

namespace Outpost.Cli.Workflows.Methods;

/// <summary>
/// A command's stdout or stderr as a method sees it: each line to the step's log (with its stream's
/// tag), and the text kept for the step's outputs, its last <see cref="MaxChars"/> characters when longer.
/// </summary>
internal sealed class OutputCapture(string tag, Action<string> log)
{
    public const int MaxChars = 64 * 1024;

    private readonly StringBuilder _text = new();
    private readonly StringBuilder _line = new();
    private readonly Lock _lock = new();
    private bool _truncated;

    public void Append(ReadOnlySpan<char> text)
    {
        List<string>? lines = null;
        lock (_lock)
        {
            _text.Append(text);
            if (_text.Length > MaxChars)
            {
                _text.Remove(0, _text.Length - MaxChars);
                _truncated = true;
            }

            foreach (var c in text)
            {
                if (c == '\n')
                {
                    (lines ??= []).Add(_line.ToString().TrimEnd('\r'));
                    _line.Clear();
                }
                else
                {
                    _line.Append(c);
                }
            }
        }

        foreach (var line in lines ?? [])
        {
            log($"[{tag}] {line}");
        }
    }

    /// <summary>Logs a last line that had no newline.</summary>
    public void Complete()
    {
        string? rest;
        lock (_lock)
        {
            rest = _line.Length > 0 ? _line.ToString() : null;
            _line.Clear();
        }

        if (rest is not null)
        {
            log($"[{tag}] {rest}");
        }
    }

    /// <summary>The kept text without its trailing newlines.</summary>
    public string Text
    {
        get
        {
            lock (_lock)
            {
                var text = _text.ToString().TrimEnd('\n', '\r');
                return _truncated ? $"…{text}" : text;
            }
        }
    }

    /// <summary>A stream that decodes UTF-8 written to it into this capture (for an exec session's output).</summary>
    public Stream AsStream() => new CaptureStream(this);

    private sealed class CaptureStream(OutputCapture capture) : Stream
    {
        private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            var chars = new char[_decoder.GetCharCount(buffer, flush: false)];
            var count = _decoder.GetChars(buffer, chars, flush: false);
            capture.Append(chars.AsSpan(0, count));
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
