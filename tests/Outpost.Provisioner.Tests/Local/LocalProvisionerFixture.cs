using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Outpost.Provisioner.Daemon;
using Outpost.Provisioner.Local;
using Outpost.Provisioner.Templates;
using Outpost.Sdk.Provisioning;

namespace Outpost.Provisioner.Tests.Local;

/// <summary>A job log that keeps every line, for assertions.</summary>
internal sealed class RecordingJobLog : IJobLog
{
    public ConcurrentQueue<(ProvisionerLogLevel Level, string Stage, string Output)> Lines { get; } = new();

    public string Text => string.Join('\n', Lines.Select(line => $"[{line.Stage}] {line.Output}"));

    public void Write(ProvisionerLogLevel level, string stage, string output) => Lines.Enqueue((level, stage, output));
}

/// <summary>
/// A local provisioner over a temporary workspaces directory whose agent is a shell script standing
/// in for <c>outpost agent</c>: it records its environment, then waits for SIGTERM. Every process a
/// test starts is killed when the test ends, whatever happened.
/// </summary>
internal sealed class LocalProvisionerFixture : IDisposable
{
    public const string StandInAgent = """
        trap 'echo stopping; exit 0' TERM
        echo started
        env > .env.tmp && mv .env.tmp "env-$OUTPOST_AGENT_NAME.txt"
        while true; do sleep 1 & wait $!; done
        """;

    public const string StubbornAgent = """
        trap '' TERM
        echo started
        env > .env.tmp && mv .env.tmp "env-$OUTPOST_AGENT_NAME.txt"
        while true; do sleep 1 & wait $!; done
        """;

    private readonly TempDirectory _temp = new();
    private readonly List<int> _pids = [];

    public LocalProvisionerFixture(string agentScript = StandInAgent, TimeSpan? stopGrace = null)
    {
        var script = _temp.Write("agent.sh", agentScript);
        AgentCommand = ["/bin/sh", script];
        Provisioner = new LocalProvisioner(
            new LocalProvisionerOptions
            {
                WorkspacesDirectory = _temp.Combine("workspaces"),
                AgentCommand = AgentCommand,
                StopGrace = stopGrace ?? TimeSpan.FromSeconds(5),
            },
            NullLogger.Instance,
            TimeProvider.System);
    }

    public LocalProvisioner Provisioner { get; }

    /// <summary>Runs the stand-in agent script.</summary>
    public IReadOnlyList<string> AgentCommand { get; }

    public Guid WorkspaceId { get; } = Guid.NewGuid();

    public string Workspace => Provisioner.WorkspaceDirectory(WorkspaceId);

    public byte[] Template(string yaml)
    {
        var directory = _temp.Combine($"template-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Join(directory, "outpost.yaml"), yaml);
        File.WriteAllText(Path.Join(directory, "helper.sh"), "echo helping\n");
        var packed = TemplateArchive.Pack(directory, 1024 * 1024);
        Assert.True(packed.Succeeded, packed.Error);
        return packed.Tar!;
    }

    public WorkspaceBuildJob Job(WorkspaceTransition transition, byte[] previousState, params ParameterValue[] parameters) => new()
    {
        BuildId = Guid.NewGuid(),
        WorkspaceId = WorkspaceId,
        WorkspaceName = "dev",
        OwnerId = Guid.NewGuid(),
        OwnerName = "alice",
        TemplateName = "test",
        TemplateVersionId = Guid.NewGuid(),
        BuildNumber = 1,
        Transition = transition,
        Parameters = parameters,
        PreviousState = previousState,
        AccessUrl = "http://127.0.0.1:3999",
    };

    public async Task<(WorkspaceBuildResult Result, LocalState State, RecordingJobLog Log)> BuildAsync(WorkspaceBuildJob job, byte[] template)
    {
        var log = new RecordingJobLog();
        var result = await Provisioner.BuildAsync(job, template, log, Testing.TestTimeouts.Token()).WaitAsync(Testing.TestTimeouts.Default);
        Assert.True(result.Succeeded, result.Failure?.Error + "\n" + log.Text);
        var state = LocalState.Parse(result.Value!.State).State!;
        lock (_pids)
        {
            _pids.AddRange(state.Processes.Select(process => process.Pid));
        }

        return (result.Value, state, log);
    }

    public void Track(int pid)
    {
        lock (_pids)
        {
            _pids.Add(pid);
        }
    }

    /// <summary>The environment the stand-in agent recorded, once it has (an event, not a poll).</summary>
    public async Task<Dictionary<string, string>> AgentEnvironmentAsync(string agent)
    {
        var path = Path.Join(Workspace, $"env-{agent}.txt");
        await FileEvents.WaitForAsync(path).WaitAsync(Testing.TestTimeouts.Short);
        return File.ReadAllLines(path)
            .Where(line => line.Contains('=', StringComparison.Ordinal))
            .Select(line => line.Split('=', 2))
            .GroupBy(parts => parts[0])
            .ToDictionary(group => group.Key, group => group.Last()[1]);
    }

    public void Dispose()
    {
        List<Task> exits;
        lock (_pids)
        {
            var alive = _pids.Where(pid => ProcessIdentity.StartTime(pid) is not null).ToList();
            exits = [.. alive.Select(pid => NativeProcess.WaitForExitAsync(pid, Testing.TestTimeouts.Token(Testing.TestTimeouts.Short)))];
            foreach (var pid in alive)
            {
                // The whole group: the stand-in's own sleep children too.
                NativeProcess.Signal(ProcessIdentity.ProcessGroup(pid) == pid ? -pid : pid, NativeProcess.SigKill);
            }
        }

        // Until they are gone they may still write into the directory being deleted.
        Task.WaitAll([.. exits], Testing.TestTimeouts.Short);

        _temp.Dispose();
    }
}

internal static class FileEvents
{
    /// <summary>Completes when <paramref name="path"/> exists: at once, or when its directory reports it created or renamed into place.</summary>
    public static async Task WaitForAsync(string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        var appeared = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watcher = new FileSystemWatcher(directory, Path.GetFileName(path));
        watcher.Created += (_, _) => appeared.TrySetResult();
        watcher.Renamed += (_, _) => appeared.TrySetResult();
        watcher.EnableRaisingEvents = true;
        if (File.Exists(path))
        {
            return;
        }

        await appeared.Task;
    }
}
