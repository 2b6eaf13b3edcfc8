using Outpost.Workflows.Engine;
using Outpost.Workflows.Records;

namespace Outpost.Workflows.Tests.Records;

public sealed class RunRecordStoreTests : IDisposable
{
    private readonly string _repository = Directory.CreateTempSubdirectory("outpost-run-records-").FullName;

    public void Dispose() => Directory.Delete(_repository, recursive: true);

    [Fact]
    public void A_record_is_replaced_whole_each_time_with_owner_only_modes_and_reads_back_with_its_types()
    {
        var store = new RunRecordStore(_repository);
        var run = new WorkflowRun(Guid.NewGuid(), "w")
        {
            WorkflowId = Guid.NewGuid(),
            StartedAt = DateTimeOffset.UnixEpoch,
            Inputs = new Dictionary<string, object?> { ["count"] = 3L, ["text"] = "3", ["flag"] = true, ["yes"] = "true", ["none"] = null, ["list"] = new List<object?> { "a", 1L } },
        };
        run.Jobs.Add(new JobRun("j"));
        run.Jobs[0].Steps.Add(new StepRun("s:1"));

        store.Save(run);
        run.Reason = "timed out after 1s";
        store.Save(run);

        var directory = Path.GetDirectoryName(store.RecordPath(run.WorkflowId, run.Id))!;
        Assert.Equal([Path.GetFileName(store.RecordPath(run.WorkflowId, run.Id))], Directory.GetFiles(directory).Select(Path.GetFileName));
        Assert.Equal(RunRecordStore.FileMode, File.GetUnixFileMode(store.RecordPath(run.WorkflowId, run.Id)));
        Assert.Equal(RunRecordStore.DirectoryMode, File.GetUnixFileMode(directory));
        Assert.Equal(RunRecordStore.DirectoryMode, File.GetUnixFileMode(Path.Join(_repository, ".outpost")));
        var (record, _) = store.Find(run.Id)!.Value;
        Assert.Equal("timed out after 1s", RunRecord.Text(record, "reason"));
        var inputs = (IReadOnlyDictionary<string, object?>)record["inputs"]!;
        Assert.Equal((3L, "3", true, "true", null), (inputs["count"], inputs["text"], inputs["flag"], inputs["yes"], inputs["none"]));
        Assert.Equal(["a", 1L], (IReadOnlyList<object?>)inputs["list"]!);
        Assert.Equal("s:1", RunRecord.Text(RunRecord.Children(RunRecord.Children(record, "jobs")[0], "steps")[0], "name"));
        Assert.Single(store.History(run.WorkflowId));
        Assert.Null(store.Find(Guid.NewGuid()));

        store.AppendLog(run.WorkflowId, run.Id, "one\n");
        store.AppendLog(run.WorkflowId, run.Id, "two\n");
        Assert.Equal("one\ntwo\n", File.ReadAllText(store.LogPath(run.WorkflowId, run.Id)));
        Assert.Equal(RunRecordStore.FileMode, File.GetUnixFileMode(store.LogPath(run.WorkflowId, run.Id)));
    }
}
