using System.ComponentModel;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Outpost.Agent.Logs;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Diagnostics;
using Outpost.Sdk.Provisioning;

namespace Outpost.Agent.Scripts;

/// <summary>
/// Runs one script with <c>/bin/sh -c</c>, streams its output line by line into the log sink (waiting
/// when the sink is full, so nothing is dropped), and enforces its timeout by killing the whole
/// process tree. A script leads a session of its own (<see cref="ShellStartInfo.InSessionOfItsOwn(System.Diagnostics.ProcessStartInfo, bool)"/>): a signal
/// aimed at the agent's process group is for the agent, which decides what happens to its scripts.
/// </summary>
internal sealed class ScriptRunner(AgentLogSink sink, TimeProvider time, ILogger logger)
{
    /// <summary>Longer lines are split into pieces of this many characters.</summary>
    public const int MaxLineChars = 4096;

    /// <summary>After a kill, how long the output readers may take to drain what the pipes still hold.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public string Shell { get; init; } = "/bin/sh";

    public async Task<ScriptOutcome> RunAsync(AgentScript script, ScriptContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(script);
        ArgumentNullException.ThrowIfNull(context);
        var startInfo = ShellStartInfo.InSessionOfItsOwn(ShellStartInfo.For(Shell, script.Script, context.WorkingDirectory, context.Environment),
            ignoreStopSignals: script.RunOnStop && !script.RunOnStart);
        ProcessTrace.Apply(startInfo.Environment);

        var started = time.GetTimestamp();
        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException)
        {
            AgentLog.ScriptNotStarted(logger, script.DisplayName, ex.Message);
            await NoteAsync(script.DisplayName, $"the script could not start: {ex.Message}").ConfigureAwait(false);
            return new ScriptOutcome(ScriptOutcomeKind.NotStarted, null, TimeSpan.Zero, 0, ex.Message);
        }

        AgentLog.ScriptStarted(logger, script.DisplayName, process.Id, script.TimeoutSeconds);
        process.StandardInput.Close();

        // The readers stop only when the pipes close (or, past the drain timeout, when abandoned), so a
        // canceled or timed-out script still delivers everything it wrote before it was killed.
        using var abandon = new CancellationTokenSource();
        long lines = 0;
        var stdout = PumpAsync(process.StandardOutput, script.DisplayName, () => Interlocked.Increment(ref lines), abandon.Token);
        var stderr = PumpAsync(process.StandardError, script.DisplayName, () => Interlocked.Increment(ref lines), abandon.Token);

        using var timeout = script.TimeoutSeconds > 0 ? new CancellationTokenSource(TimeSpan.FromSeconds(script.TimeoutSeconds), time) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        ScriptOutcomeKind? stopped = null;
        try
        {
            await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            stopped = timeout.IsCancellationRequested ? ScriptOutcomeKind.TimedOut : ScriptOutcomeKind.Canceled;
            KillTree(process);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        try
        {
            await Task.WhenAll(stdout, stderr).WaitAsync(DrainTimeout, time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A descendant that left the process tree still holds the pipes open: stop reading.
            await abandon.CancelAsync().ConfigureAwait(false);
        }

        var duration = time.GetElapsedTime(started);
        var lineCount = Interlocked.Read(ref lines);
        switch (stopped)
        {
            case ScriptOutcomeKind.TimedOut:
                AgentLog.ScriptTimedOut(logger, script.DisplayName, script.TimeoutSeconds);
                await NoteAsync(script.DisplayName, $"the script ran past its timeout of {script.TimeoutSeconds} s and was killed").ConfigureAwait(false);
                return new ScriptOutcome(ScriptOutcomeKind.TimedOut, null, duration, lineCount);
            case ScriptOutcomeKind.Canceled:
                return new ScriptOutcome(ScriptOutcomeKind.Canceled, null, duration, lineCount);
        }

        var exitCode = process.ExitCode;
        if (exitCode == 0)
        {
            AgentLog.ScriptSucceeded(logger, script.DisplayName, (long)duration.TotalMilliseconds, lineCount);
            return new ScriptOutcome(ScriptOutcomeKind.Succeeded, 0, duration, lineCount);
        }

        AgentLog.ScriptFailed(logger, script.DisplayName, exitCode, (long)duration.TotalMilliseconds);
        await NoteAsync(script.DisplayName, $"the script exited with code {exitCode}").ConfigureAwait(false);
        return new ScriptOutcome(ScriptOutcomeKind.Failed, exitCode, duration, lineCount);
    }

    private async Task PumpAsync(StreamReader reader, string source, Action counted, CancellationToken cancellationToken)
    {
        var splitter = new LineSplitter(reader, MaxLineChars);
        while (await splitter.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            await WriteAsync(source, line, ProvisionerLogLevel.Info, cancellationToken).ConfigureAwait(false);
            counted();
        }
    }

    private ValueTask WriteAsync(string source, string output, ProvisionerLogLevel level, CancellationToken cancellationToken) =>
        sink.WriteAsync(new AgentLogLine { CreatedAt = time.GetUtcNow(), Source = source, Output = output, Level = level }, cancellationToken);

    /// <summary>The agent's own line about a script, beside its output; bounded so a stuck upload cannot hold the agent.</summary>
    private async Task NoteAsync(string source, string output)
    {
        using var timeout = new CancellationTokenSource(DrainTimeout, time);
        try
        {
            await WriteAsync(source, output, ProvisionerLogLevel.Error, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The local log line has the same facts.
        }
    }

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited between the timeout and the kill.
        }
    }
}
