using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Outpost.Provisioner.Daemon;
using Outpost.Provisioner.Local;
using Outpost.Sdk.Diagnostics;
using Outpost.Sdk.Provisioning;

namespace Outpost.Provisioner.Terraform;

/// <summary>What one terraform command did: its exit code, its stdout (for <c>show -json</c>), its error diagnostics and last lines.</summary>
internal sealed record TerraformRun(int ExitCode, string Output, IReadOnlyList<string> Errors, IReadOnlyList<string> LastLines, string? StoppedBecause)
{
    public bool Succeeded => ExitCode == 0 && StoppedBecause is null;

    /// <summary>The failure a user reads: the diagnostics with file:line, else how it ended and the last lines.</summary>
    public string Failure(string stage) => StoppedBecause ?? (Errors.Count > 0
        ? $"terraform {stage} failed: {string.Join("; ", Errors)}"
        : $"terraform {stage} {Ended}; its last lines: {string.Join(" | ", LastLines)}");

    // .NET reports a process killed by signal N as exit code 128 + N.
    private string Ended => ExitCode is > 128 and < 160
        ? $"was killed by signal {ExitCode - 128} (exit code {ExitCode})"
        : $"failed (exit code {ExitCode})";
}

/// <summary>
/// Runs terraform commands: streams their machine-readable output into the build log with
/// Terraform's own levels, collects error diagnostics as <c>file:line: summary: detail</c>, stops a
/// canceled command with SIGINT and kills it after a grace period, and bounds each stage by a timeout.
/// </summary>
internal sealed class TerraformRunner(string binary, TimeSpan stageTimeout, TimeSpan cancelGrace, ILogger logger)
{
    private const int KeptLines = 20;

    public async Task<TerraformRun> RunAsync(
        string stage, string directory, IReadOnlyDictionary<string, string> environment, IReadOnlyList<string> arguments, IJobLog log,
        bool streamOutput, Guid workspaceId, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(binary)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        ProcessTrace.Apply(start.Environment);

        var errors = new List<string>();
        var last = new Queue<string>();
        var output = new System.Text.StringBuilder();
        var started = Stopwatch.GetTimestamp();
        using var process = new Process { StartInfo = start };
        process.Start();
        process.StandardInput.Close();

        using var timeout = new CancellationTokenSource(stageTimeout);
        string? stoppedBecause = null;
        var interrupted = 0;
        void Interrupt(string reason)
        {
            if (Interlocked.Exchange(ref interrupted, 1) != 0)
            {
                return;
            }

            stoppedBecause = reason;
            TerraformLog.Interrupting(logger, stage, reason, process.Id);
            log.Warn(stage, $"Stopping terraform {stage}: {reason}");
            // SIGINT lets terraform finish writing its state; a kill after the grace period does not wait for it.
            NativeProcess.Signal(process.Id, NativeProcess.SigInt);
            _ = Task.Delay(cancelGrace, CancellationToken.None).ContinueWith(_ =>
            {
                try
                {
                    if (!process.HasExited)
                    {
                        TerraformLog.Killing(logger, stage, cancelGrace.TotalSeconds, process.Id);
                        process.Kill(entireProcessTree: true);
                    }
                }
                catch (InvalidOperationException)
                {
                    // Exited meanwhile.
                }
            }, TaskScheduler.Default);
        }

        await using var onCancel = cancellationToken.Register(() => Interrupt("the build was canceled"));
        await using var onTimeout = timeout.Token.Register(() => Interrupt($"terraform {stage} did not finish within {stageTimeout.TotalSeconds:0} s"));

        var stderr = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync(CancellationToken.None).ConfigureAwait(false) is { } line)
            {
                if (line.Length > 0)
                {
                    log.Write(ProvisionerLogLevel.Error, stage, line);
                    lock (last)
                    {
                        Keep(last, line);
                    }
                }
            }
        }, CancellationToken.None);

        while (await process.StandardOutput.ReadLineAsync(CancellationToken.None).ConfigureAwait(false) is { } line)
        {
            if (!streamOutput)
            {
                output.AppendLine(line);
                continue;
            }

            var (level, message, error) = Parse(line);
            if (message.Length > 0)
            {
                log.Write(level, stage, message);
                lock (last)
                {
                    Keep(last, message);
                }
            }

            if (error is not null)
            {
                errors.Add(error);
            }
        }

        await stderr.ConfigureAwait(false);
        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        TerraformLog.StageFinished(logger, stage, workspaceId, process.ExitCode, Stopwatch.GetElapsedTime(started).TotalSeconds);
        if (stoppedBecause is not null && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(stoppedBecause, cancellationToken);
        }

        lock (last)
        {
            return new TerraformRun(process.ExitCode, output.ToString(), errors, [.. last], stoppedBecause);
        }
    }

    private static void Keep(Queue<string> last, string line)
    {
        last.Enqueue(line);
        while (last.Count > KeptLines)
        {
            last.Dequeue();
        }
    }

    /// <summary>One line of <c>-json</c> output: its level, its message, and for an error diagnostic the <c>file:line: summary: detail</c> form.</summary>
    internal static (ProvisionerLogLevel Level, string Message, string? Error) Parse(string line)
    {
        if (!line.StartsWith('{'))
        {
            return (ProvisionerLogLevel.Info, line, null);
        }

        try
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            var level = (root.TryGetProperty("@level", out var l) ? l.GetString() : null) switch
            {
                "trace" => ProvisionerLogLevel.Trace,
                "debug" => ProvisionerLogLevel.Debug,
                "warn" => ProvisionerLogLevel.Warn,
                "error" => ProvisionerLogLevel.Error,
                _ => ProvisionerLogLevel.Info,
            };
            var message = root.TryGetProperty("@message", out var m) ? m.GetString() ?? string.Empty : string.Empty;
            string? error = null;
            if (root.TryGetProperty("diagnostic", out var diagnostic) && diagnostic.TryGetProperty("severity", out var severity) && severity.GetString() == "error")
            {
                var summary = diagnostic.TryGetProperty("summary", out var s) ? s.GetString() : null;
                var detail = diagnostic.TryGetProperty("detail", out var d) ? d.GetString() : null;
                // Both where it is written and which resource it concerns, when terraform knows them.
                var where = (diagnostic.TryGetProperty("range", out var range)
                    ? $"{range.GetProperty("filename").GetString()}:{range.GetProperty("start").GetProperty("line").GetInt32()}: "
                    : string.Empty)
                    + (diagnostic.TryGetProperty("address", out var address) ? $"{address.GetString()}: " : string.Empty);
                error = $"{where}{summary}" + (string.IsNullOrWhiteSpace(detail) ? string.Empty : $": {detail}");
                message = $"Error: {error}";
            }

            return (level, message, error);
        }
        catch (JsonException)
        {
            return (ProvisionerLogLevel.Info, line, null);
        }
    }
}
