using System.Text;

namespace Outpost.Cli.Workflows.Methods;

/// <summary>
/// Stands in for a terminal while a CLI verb's code runs as a workflow method: every complete line goes
/// to the step's log (<c>[stdout]</c> or as is), stdout is kept for the method's outputs, and the last
/// <c>error:</c> line is the step's error.
/// </summary>
internal sealed class StepConsole
{
    private readonly Action<string> _log;
    private readonly Lock _lock = new();
    private readonly StringBuilder _stdout = new();

    public StepConsole(Action<string> log)
    {
        _log = log;
        Out = new LineWriter(this, isOut: true);
        Error = new LineWriter(this, isOut: false);
    }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    /// <summary>What the verb printed on stdout, line by line.</summary>
    public IReadOnlyList<string> StdoutLines
    {
        get
        {
            lock (_lock)
            {
                return _stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            }
        }
    }

    /// <summary>The last <c>error: …</c> line the verb printed, without the prefix; null when there was none.</summary>
    public string? LastError { get; private set; }

    /// <summary>The last line on stderr (an interruption's account of what goes on).</summary>
    public string? LastLine { get; private set; }

    private void Line(string line, bool isOut)
    {
        lock (_lock)
        {
            if (isOut)
            {
                _stdout.Append(line).Append('\n');
            }
            else if (line.Length > 0)
            {
                LastLine = line;
                if (line.StartsWith("error: ", StringComparison.Ordinal))
                {
                    LastError = line["error: ".Length..];
                }
            }
        }

        _log(isOut ? $"[stdout] {line}" : line);
    }

    private sealed class LineWriter(StepConsole owner, bool isOut) : TextWriter
    {
        private readonly StringBuilder _partial = new();

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            string? line = null;
            lock (_partial)
            {
                if (value == '\n')
                {
                    line = _partial.ToString().TrimEnd('\r');
                    _partial.Clear();
                }
                else
                {
                    _partial.Append(value);
                }
            }

            if (line is not null)
            {
                owner.Line(line, isOut);
            }
        }

        public override void Write(string? value)
        {
            foreach (var c in value ?? string.Empty)
            {
                Write(c);
            }
        }

        public override void WriteLine(string? value)
        {
            Write(value);
            Write('\n');
        }

        public override Task WriteAsync(string? value)
        {
            Write(value);
            return Task.CompletedTask;
        }

        public override Task WriteLineAsync(string? value)
        {
            WriteLine(value);
            return Task.CompletedTask;
        }

        public override Task FlushAsync() => Task.CompletedTask;
    }
}
