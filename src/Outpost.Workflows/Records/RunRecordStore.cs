using System.Text;
using Outpost.Workflows.Engine;
using Outpost.Workflows.Model;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;

namespace Outpost.Workflows.Records;

/// <summary>
/// Run records and logs on disk (spec §9.1, Outpost's directory):
/// <c>&lt;repo&gt;/.outpost/workflow-runs/&lt;workflowId&gt;/workflow-run-&lt;runId&gt;.yaml</c> and <c>.log</c>.
/// Directories are 0700 and files 0600; a record is replaced atomically (a temporary file renamed over
/// it) each time it is saved, so a reader never sees half of one.
/// </summary>
internal sealed class RunRecordStore(string repository)
{
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private static readonly ISerializer Yaml = new SerializerBuilder().WithQuotingNecessaryStrings().Build();

    /// <summary>Where the records are: <c>.outpost/workflow-runs</c> under the repository.</summary>
    public string Root { get; } = Path.Combine(repository, ".outpost", "workflow-runs");

    public string RecordPath(Guid workflowId, Guid runId) => Path.Combine(Root, workflowId.ToString("D"), $"workflow-run-{runId:D}.yaml");

    public string LogPath(Guid workflowId, Guid runId) => Path.ChangeExtension(RecordPath(workflowId, runId), ".log");

    /// <summary>Writes the run's record as it stands now.</summary>
    public void Save(WorkflowRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var path = RecordPath(run.WorkflowId, run.Id);
        CreateDirectories(Path.GetDirectoryName(path)!);
        var text = Yaml.Serialize(RunRecord.Of(run));
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temporary, new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = FileMode }))
            {
                stream.Write(Encoding.UTF8.GetBytes(text));
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Appends lines to the run's log.</summary>
    public void AppendLog(Guid workflowId, Guid runId, string text)
    {
        var path = LogPath(workflowId, runId);
        CreateDirectories(Path.GetDirectoryName(path)!);
        using var stream = new FileStream(path, new FileStreamOptions { Mode = System.IO.FileMode.Append, Access = FileAccess.Write, UnixCreateMode = FileMode });
        stream.Write(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>Every record of a workflow, newest first; records that cannot be read are skipped.</summary>
    public List<IReadOnlyDictionary<string, object?>> History(Guid workflowId)
    {
        var directory = Path.Combine(Root, workflowId.ToString("D"));
        return !Directory.Exists(directory)
            ? []
            : [.. Directory.EnumerateFiles(directory, "workflow-run-*.yaml").Select(Read).OfType<IReadOnlyDictionary<string, object?>>()
                .OrderByDescending(record => RunRecord.Text(record, "startedAt"), StringComparer.Ordinal)];
    }

    /// <summary>The record of run <paramref name="runId"/> whatever its workflow, and its log's path; null when there is none.</summary>
    public (IReadOnlyDictionary<string, object?> Record, string LogPath)? Find(Guid runId)
    {
        if (!Directory.Exists(Root))
        {
            return null;
        }

        foreach (var directory in Directory.EnumerateDirectories(Root))
        {
            var path = Path.Combine(directory, $"workflow-run-{runId:D}.yaml");
            if (File.Exists(path) && Read(path) is { } record)
            {
                return (record, Path.ChangeExtension(path, ".log"));
            }
        }

        return null;
    }

    /// <summary>A record read back: scalars typed as the workflow files' are (strings written quoted when they would read otherwise).</summary>
    public static IReadOnlyDictionary<string, object?>? Read(string path)
    {
        try
        {
            var stream = new YamlStream();
            using (var reader = new StreamReader(path))
            {
                stream.Load(reader);
            }

            return stream.Documents.Count == 1 ? YamlMap.Value(stream.Documents[0].RootNode) as IReadOnlyDictionary<string, object?> : null;
        }
        catch (Exception ex) when (ex is IOException or YamlDotNet.Core.YamlException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void CreateDirectories(string directory)
    {
        // Each level this creates is 0700 (.outpost, workflow-runs, the workflow's).
        var missing = new Stack<string>();
        for (var current = directory; !Directory.Exists(current); current = Path.GetDirectoryName(current)!)
        {
            missing.Push(current);
        }

        while (missing.TryPop(out var next))
        {
            Directory.CreateDirectory(next, DirectoryMode);
        }
    }
}
