using System.Threading.Channels;
using Outpost.Workflows.Engine;
using Outpost.Workflows.Records;

namespace Outpost.Cli.Workflows;

/// <summary>
/// Saves run records off the run's path: every change queues its run, and one writer saves each
/// queued run once per pass (changes that arrive while it writes are folded into the next pass), so
/// steps never wait on the disk and every change is on disk one write later. <see cref="DisposeAsync"/>
/// waits for the last pass: the record on disk is the final one when the command ends.
/// </summary>
internal sealed class RunRecordWriter : IAsyncDisposable
{
    private readonly Channel<WorkflowRun> _changes = Channel.CreateUnbounded<WorkflowRun>(new UnboundedChannelOptions { SingleReader = true });
    private readonly RunRecordStore _store;
    private readonly Action<Exception> _failed;
    private readonly Task _writing;

    public RunRecordWriter(RunRecordStore store, Action<Exception> failed)
    {
        (_store, _failed) = (store, failed);
        _writing = WriteAsync();
    }

    public void Changed(WorkflowRun run) => _changes.Writer.TryWrite(run);

    private async Task WriteAsync()
    {
        while (await _changes.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            var pending = new Dictionary<Guid, WorkflowRun>();
            while (_changes.Reader.TryRead(out var run))
            {
                pending[run.Id] = run;
            }

            foreach (var run in pending.Values)
            {
                try
                {
                    _store.Save(run);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    _failed(ex);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _changes.Writer.TryComplete();
        await _writing.ConfigureAwait(false);
    }
}
