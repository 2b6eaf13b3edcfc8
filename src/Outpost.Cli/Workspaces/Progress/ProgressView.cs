using System.Globalization;
using System.Text;
using Outpost.Sdk;
using Outpost.Sdk.Templates;
using Outpost.Sdk.Provisioning;

namespace Outpost.Cli.Workspaces.Progress;

/// <summary>
/// What a person sees on stderr while a build runs. On a terminal: one status line (build, stage,
/// elapsed time) over a short tail of the log, redrawn in place; elsewhere: plain lines, one per
/// status change and one per log line, so a CI log reads top to bottom.
/// </summary>
internal sealed class ProgressView(TextWriter error, bool terminal, bool colour, TimeProvider time)
{
    public const int TailLines = 5;

    private readonly Queue<string> _tail = new();
    private readonly long _startedAt = time.GetTimestamp();
    private string _title = string.Empty;
    private string _stage = "queued";
    private WorkspaceStatus? _status;
    private int _drawn;

    public TimeSpan Elapsed => time.GetElapsedTime(_startedAt);

    public static string Seconds(TimeSpan elapsed) => elapsed.TotalSeconds.ToString(elapsed.TotalSeconds < 10 ? "0.0" : "0", CultureInfo.InvariantCulture) + "s";

    public Task BeginAsync(string title)
    {
        _title = title;
        return terminal ? RedrawAsync() : error.WriteLineAsync($"{title}: queued");
    }

    public Task StatusAsync(WorkspaceStatus status)
    {
        if (_status == status)
        {
            return Task.CompletedTask;
        }

        _status = status;
        return terminal ? RedrawAsync() : error.WriteLineAsync($"{_title}: {Paint(status)} ({Seconds(Elapsed)})");
    }

    public Task LogAsync(ProvisionerJobLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (log.Stage.Length > 0)
        {
            _stage = log.Stage;
        }

        var line = log.Stage.Length > 0 ? $"[{log.Stage}] {log.Output}" : log.Output;
        if (!terminal)
        {
            return error.WriteLineAsync($"  {line}");
        }

        _tail.Enqueue(line);
        while (_tail.Count > TailLines)
        {
            _tail.Dequeue();
        }

        return RedrawAsync();
    }

    /// <summary>Redraws the elapsed time on a terminal; nothing elsewhere.</summary>
    public Task TickAsync() => terminal ? RedrawAsync() : Task.CompletedTask;

    /// <summary>Replaces the live block with one closing line.</summary>
    public async Task EndAsync(string line)
    {
        if (terminal)
        {
            await ClearAsync().ConfigureAwait(false);
        }

        await error.WriteLineAsync(line).ConfigureAwait(false);
    }

    /// <summary>Plain lines that stay (waiting for agents, notices), under the live block.</summary>
    public async Task NoteAsync(string line)
    {
        if (terminal)
        {
            await ClearAsync().ConfigureAwait(false);
        }

        await error.WriteLineAsync(line).ConfigureAwait(false);
        if (terminal)
        {
            await RedrawAsync().ConfigureAwait(false);
        }
    }

    public string Paint(WorkspaceStatus status)
    {
        var name = WireName.Of(status);
        if (!colour)
        {
            return name;
        }

        var code = status switch
        {
            WorkspaceStatus.Running or WorkspaceStatus.Stopped or WorkspaceStatus.Deleted => "32",
            WorkspaceStatus.Failed or WorkspaceStatus.Canceled => "31",
            _ => "33",
        };
        return $"\u001b[{code}m{name}\u001b[0m";
    }

    public string Red(string text) => colour ? $"\u001b[31m{text}\u001b[0m" : text;

    public string Green(string text) => colour ? $"\u001b[32m{text}\u001b[0m" : text;

    private async Task RedrawAsync()
    {
        var block = new StringBuilder();
        if (_drawn > 0)
        {
            // Up to the first line of the previous block, then clear to the end of the screen.
            block.Append(CultureInfo.InvariantCulture, $"\u001b[{_drawn}F\u001b[J");
        }

        var status = _status is { } s ? Paint(s) : "queued";
        block.Append(CultureInfo.InvariantCulture, $"{_title} · {status} · {_stage} · {Seconds(Elapsed)}\n");
        foreach (var line in _tail)
        {
            block.Append("  │ ").Append(line).Append('\n');
        }

        _drawn = 1 + _tail.Count;
        await error.WriteAsync(block.ToString()).ConfigureAwait(false);
        await error.FlushAsync().ConfigureAwait(false);
    }

    private async Task ClearAsync()
    {
        if (_drawn > 0)
        {
            await error.WriteAsync($"\u001b[{_drawn}F\u001b[J").ConfigureAwait(false);
            _drawn = 0;
        }
    }
}
