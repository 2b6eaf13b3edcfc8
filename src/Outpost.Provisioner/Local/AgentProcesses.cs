using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Outpost.Provisioner.Daemon;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Provisioner.Local;

/// <summary>
/// Starts agent processes detached from the daemon (they are the workspace: they outlive the
/// daemon and the server) and stops them by pid, never signalling a pid that has been reused.
/// </summary>
internal sealed class AgentProcesses(LocalProvisionerOptions options, TimeProvider time, ILogger logger)
{
    public const string StoppingStage = "Stopping agents";

    /// <summary>Our own children, kept so the runtime reaps them and their exit is an event; keyed by pid.</summary>
    private static readonly ConcurrentDictionary<int, Process> Children = new();

    private static readonly string? Setsid = Sdk.SystemPrograms.Setsid;

    private static readonly string? Env = Sdk.SystemPrograms.Env;

    /// <summary>
    /// The launcher of a sandboxed agent. bubblewrap passes no signal on: a SIGTERM to it (or to its process group) killed
    /// bwrap at once and left the agent running, orphaned, with nobody to stop it once the server was gone. So the
    /// shell stays (it is the pid the provisioner records) with bwrap and bwrap's init started ignoring SIGTERM, SIGINT
    /// and SIGHUP — the agent installs its own handlers — and turns any of them into a SIGTERM to the whole process
    /// group, which only the agent acts on; the shell exits when bwrap does, which is when the agent has exited. Like the
    /// agent, the shell keeps nothing of the daemon's: its own output goes to the log too.
    /// </summary>
    internal const string SandboxLauncher = """
        exec >>"$1" 2>&1 </dev/null; shift
        trap '' TERM INT HUP
        "$@" &
        sandbox=$!
        trap 'trap "" TERM INT HUP; kill -TERM 0' TERM INT HUP
        while kill -0 "$sandbox" 2>/dev/null; do wait "$sandbox"; done
        """;

    /// <summary>Starts one agent; its output is appended to <paramref name="logFile"/>. A <paramref name="sandboxed"/> command runs under <see cref="SandboxLauncher"/>.</summary>
    public AgentLaunchResult Launch(string agent, IReadOnlyList<string> command, string workingDirectory, IReadOnlyDictionary<string, string> environment, string logFile, bool sandboxed)
    {
        RotateIfLarge(logFile);
        var start = new ProcessStartInfo
        {
            FileName = Setsid ?? "/bin/sh",
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
        };

        // setsid gives the agent a session of its own, so a Ctrl-C aimed at the server never reaches
        // the workspace; the shell points stdout/stderr at the log file and stdin at /dev/null, so
        // nothing ties the agent to the daemon's pipes or terminal. exec keeps the pid the agent's.
        // A sandboxed agent's launcher traps signals, which a shell cannot do for a signal ignored when it started (a
        // server under nohup, a test host): env resets them first. Without setsid the shell would not lead a process
        // group of its own to signal: the old launcher then.
        var forwarding = sandboxed && Setsid is not null && Env is not null;
        if (forwarding)
        {
            start.ArgumentList.Add(Env!);
            start.ArgumentList.Add("--default-signal=TERM,INT,HUP");
        }

        if (Setsid is not null)
        {
            start.ArgumentList.Add("/bin/sh");
        }

        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(forwarding ? SandboxLauncher : "log=\"$1\"; shift; exec \"$@\" >>\"$log\" 2>&1 </dev/null");
        start.ArgumentList.Add("outpost-agent-launcher");
        start.ArgumentList.Add(logFile);
        foreach (var part in command)
        {
            start.ArgumentList.Add(part);
        }

        // The daemon's own OUTPOST_* settings (its provisioner key among them) must not leak into workspaces.
        foreach (var inherited in start.Environment.Keys.Where(key => key.StartsWith(AgentEnvironment.Prefix, StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(inherited);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        ProcessTrace.Apply(start.Environment);

        var process = Process.Start(start) ?? throw new InvalidOperationException($"the agent process for {agent} did not start");
        process.EnableRaisingEvents = true;
        var pid = process.Id;
        Children[pid] = process;
        process.Exited += (_, _) =>
        {
            if (Children.TryRemove(new KeyValuePair<int, Process>(pid, process)))
            {
                process.Dispose();
            }
        };

        var startTime = ProcessIdentity.StartTime(pid);
        if (startTime is null)
        {
            return new AgentLaunchResult { Error = $"the agent process for {agent} exited at once; its output is in {logFile}{LastLine(logFile)}" };
        }

        LocalLog.AgentStarted(logger, agent, pid, workingDirectory);
        return new AgentLaunchResult { Pid = pid, StartTime = startTime.Value };
    }

    /// <summary>
    /// SIGTERM (the agent runs its shutdown script), then up to the shutdown timeout plus
    /// <see cref="LocalProvisionerOptions.StopGrace"/> for it to exit, then SIGKILL to its process group.
    /// </summary>
    public async Task StopAsync(AgentProcessRecord record, IJobLog log, CancellationToken cancellationToken)
    {
        var name = $"agent {record.Agent} (pid {record.Pid})";
        var current = ProcessIdentity.StartTime(record.Pid);
        if (current is null)
        {
            log.Info(StoppingStage, $"Stopping {name}: not running");
            return;
        }

        if (current != record.StartTime)
        {
            LocalLog.PidReused(logger, record.Agent, record.Pid);
            log.Warn(StoppingStage, $"Stopping {name}: the pid now belongs to another process; leaving it alone");
            return;
        }

        using var waitCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var exited = WaitForExitAsync(record.Pid, waitCancel.Token);
        log.Info(StoppingStage, $"Stopping {name}: SIGTERM");
        LocalLog.AgentSignalled(logger, record.Agent, record.Pid, "SIGTERM");

        // A sandboxed agent's recorded pid is its launcher, which passes the signal on (SandboxLauncher). An agent
        // started before that launcher existed is bubblewrap's, which passes nothing on: its process group is signalled.
        NativeProcess.Signal(IsSandbox(record.Pid) && ProcessIdentity.ProcessGroup(record.Pid) == record.Pid ? -record.Pid : record.Pid, NativeProcess.SigTerm);

        var timeout = record.ShutdownTimeoutSeconds > 0
            ? TimeSpan.FromSeconds(record.ShutdownTimeoutSeconds) + options.StopGrace
            : Timeout.InfiniteTimeSpan;
        try
        {
            await exited.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
            log.Info(StoppingStage, $"Agent {record.Agent} exited");
            return;
        }
        catch (TimeoutException)
        {
            // Fall through to SIGKILL.
        }
        catch (OperationCanceledException)
        {
            await waitCancel.CancelAsync().ConfigureAwait(false);
            throw;
        }

        // Checked again: the pid may have been freed and reused while we waited.
        if (ProcessIdentity.StartTime(record.Pid) != record.StartTime)
        {
            log.Info(StoppingStage, $"Agent {record.Agent} exited");
            return;
        }

        log.Warn(StoppingStage, $"Agent {record.Agent} did not exit within {timeout.TotalSeconds:0} s: SIGKILL");
        LocalLog.AgentSignalled(logger, record.Agent, record.Pid, "SIGKILL");
        // The agent leads its own process group (setsid), so its scripts die with it.
        var target = ProcessIdentity.ProcessGroup(record.Pid) == record.Pid ? -record.Pid : record.Pid;
        NativeProcess.Signal(target, NativeProcess.SigKill);
        try
        {
            await exited.WaitAsync(options.StopGrace, time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            log.Error(StoppingStage, $"Agent {record.Agent} (pid {record.Pid}) survived SIGKILL for {options.StopGrace.TotalSeconds:0} s");
            await waitCancel.CancelAsync().ConfigureAwait(false);
        }
    }

    private static bool IsSandbox(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim() == "bwrap";
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static Task WaitForExitAsync(int pid, CancellationToken cancellationToken) =>
        Children.TryGetValue(pid, out var child)
            ? WaitForChildAsync(child, cancellationToken)
            : NativeProcess.WaitForExitAsync(pid, cancellationToken);

    private static async Task WaitForChildAsync(Process child, CancellationToken cancellationToken)
    {
        try
        {
            await child.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Disposed by the Exited handler: it has exited.
        }
    }

    private void RotateIfLarge(string logFile)
    {
        var info = new FileInfo(logFile);
        if (info.Exists && info.Length > options.MaxAgentLogBytes)
        {
            File.Move(logFile, logFile + ".1", overwrite: true);
        }
    }

    private static string LastLine(string logFile)
    {
        try
        {
            var last = File.Exists(logFile) ? File.ReadLines(logFile).LastOrDefault(line => line.Length > 0) : null;
            return last is null ? "" : $": {last}";
        }
        catch (IOException)
        {
            return "";
        }
    }
}

internal sealed record AgentLaunchResult
{
    public int Pid { get; init; }

    public long StartTime { get; init; }

    public string? Error { get; init; }
}
