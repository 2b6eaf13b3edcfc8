using System.Collections.Concurrent;
using System.Threading.Channels;
using Outpost.Sdk.Client;
using Outpost.Sdk.Files;
using Outpost.Sdk.Provisioning;

namespace Outpost.Provisioner.Tests.Daemon;

/// <summary>What a job ended with: exactly one of the two.</summary>
internal sealed record JobResult(Guid JobId, CompleteJobRequest? Complete, FailJobRequest? Fail);

/// <summary>
/// The daemon API in memory: a queue of jobs for acquire, a record of every update, and the
/// results. It checks the daemon's contract as it goes: no acquire while a job is unfinished.
/// </summary>
internal sealed class FakeDaemonClient : IProvisionerDaemonClient
{
    private readonly Channel<AcquiredJob> _jobs = Channel.CreateUnbounded<AcquiredJob>();
    private readonly Lock _gate = new();
    private readonly List<UpdateJobRequest> _updates = [];
    private readonly List<(int Count, TaskCompletionSource Done)> _updateWaiters = [];
    private int _active;
    private int _acquireCalls;
    private int _resultCalls;
    private int _updateCalls;
    private int _chunkCalls;
    private int _headerCalls;

    /// <summary>The hash of the empty file, which every client serves.</summary>
    public static readonly string EmptyFileHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData([]));

    public Channel<JobResult> Results { get; } = Channel.CreateUnbounded<JobResult>();

    /// <summary>Files by hash; the empty file is always there.</summary>
    public ConcurrentDictionary<string, byte[]> Files { get; } = new(StringComparer.Ordinal) { [EmptyFileHash] = [] };

    /// <summary>Changes a chunk on its way out (call n, 1-based, across all downloads): a test's damaged transfer.</summary>
    public Func<int, FileChunk, FileChunk> ChunkTamper { get; set; } = (_, chunk) => chunk;

    /// <summary>The chunk size the client cuts files at.</summary>
    public int ChunkSize { get; set; } = FileDownload.DefaultChunkSize;

    public int ChunkCalls => Volatile.Read(ref _chunkCalls);

    public int HeaderCalls => Volatile.Read(ref _headerCalls);

    public string AddFile(byte[] data)
    {
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data));
        Files[hash] = data;
        return hash;
    }

    public Task<FileDownload> GetFileAsync(string hash, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _headerCalls);
        if (!Files.TryGetValue(hash, out var data))
        {
            return Task.FromException<FileDownload>(new Sdk.Client.OutpostApiException(404, $"there is no file {hash}"));
        }

        return Task.FromResult(new FileDownload { Hash = hash, Size = data.Length, ChunkSize = ChunkSize, Chunks = FileDownload.ChunkCount(data.Length, ChunkSize) });
    }

    public Task<FileChunk> GetFileChunkAsync(string hash, int index, CancellationToken cancellationToken)
    {
        var call = Interlocked.Increment(ref _chunkCalls);
        var data = Files[hash];
        var offset = index * ChunkSize;
        var chunk = new FileChunk { FullDataHash = hash, PieceIndex = index, Data = data.AsSpan(offset, Math.Min(ChunkSize, data.Length - offset)).ToArray() };
        return Task.FromResult(ChunkTamper(call, chunk));
    }

    /// <summary>Answers upload call n (1-based) with this hash instead of the data's (a server that stored something else).</summary>
    public Func<int, string?> UploadTamper { get; set; } = _ => null;

    private int _uploadCalls;

    public Task<UploadResponse> UploadFileAsync(byte[] tar, CancellationToken cancellationToken)
    {
        var call = Interlocked.Increment(ref _uploadCalls);
        return Task.FromResult(new UploadResponse { Hash = UploadTamper(call) ?? AddFile(tar) });
    }

    public ConcurrentQueue<string> Violations { get; } = new();

    /// <summary>Answers every later update with canceled = true.</summary>
    public bool CancelRequested { get; set; }

    /// <summary>Thrown by acquire call n (1-based) when it returns non-null.</summary>
    public Func<int, Exception?> AcquireFailure { get; set; } = _ => null;

    /// <summary>Thrown by update call n (1-based) when it returns non-null.</summary>
    public Func<int, Exception?> UpdateFailure { get; set; } = _ => null;

    /// <summary>Thrown by complete/fail call n (1-based) when it returns non-null.</summary>
    public Func<int, Exception?> ResultFailure { get; set; } = _ => null;

    /// <summary>Awaited by every update before it answers (lets a test hold the sender back).</summary>
    public Task UpdateGate { get; set; } = Task.CompletedTask;

    public int MaxActive { get; private set; }

    public IReadOnlyList<UpdateJobRequest> Updates
    {
        get
        {
            lock (_gate)
            {
                return [.. _updates];
            }
        }
    }

    public IEnumerable<ProvisionerLogLine> LogLines => Updates.SelectMany(update => update.Logs);

    public void Enqueue(AcquiredJob job) => _jobs.Writer.TryWrite(job);

    public Task WaitForUpdatesAsync(int count)
    {
        lock (_gate)
        {
            if (_updates.Count >= count)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _updateWaiters.Add((count, done));
            return done.Task;
        }
    }

    public async Task<AcquiredJob?> AcquireAsync(AcquireJobRequest request, CancellationToken cancellationToken)
    {
        if (AcquireFailure(Interlocked.Increment(ref _acquireCalls)) is { } failure)
        {
            throw failure;
        }

        var job = await _jobs.Reader.ReadAsync(cancellationToken);
        lock (_gate)
        {
            if (_active != 0)
            {
                Violations.Enqueue($"acquired {job.JobId} while another job was unfinished");
            }

            _active++;
            MaxActive = Math.Max(MaxActive, _active);
        }

        return job;
    }

    public async Task<UpdateJobResponse> UpdateJobAsync(Guid jobId, UpdateJobRequest request, CancellationToken cancellationToken)
    {
        await UpdateGate.WaitAsync(cancellationToken);
        lock (_gate)
        {
            if (UpdateFailure(++_updateCalls) is { } failure)
            {
                // A 409 is the server saying the job was taken away (the reaper failed it).
                _active -= failure is Sdk.Client.OutpostApiException { StatusCode: 409 } ? 1 : 0;
                throw failure;
            }

            _updates.Add(request);
            var calls = _updates.Count;
            foreach (var waiter in _updateWaiters.Where(waiter => waiter.Count <= calls).ToList())
            {
                _updateWaiters.Remove(waiter);
                waiter.Done.TrySetResult();
            }
        }

        return new UpdateJobResponse { Canceled = CancelRequested };
    }

    public async Task<AcquiredJob?> CompleteJobAsync(Guid jobId, CompleteJobRequest request, CancellationToken cancellationToken)
    {
        await Finish(new JobResult(jobId, request, null));
        if (request.AcquireNext is null || !_jobs.Reader.TryRead(out var next))
        {
            return null;
        }

        // Handed over with the completion, like the server's acquire_next: the daemon holds it now.
        lock (_gate)
        {
            _active++;
            MaxActive = Math.Max(MaxActive, _active);
            HandedOverWithCompletion++;
        }

        return next;
    }

    /// <summary>Jobs the daemon received in a completion's answer rather than from acquire.</summary>
    public int HandedOverWithCompletion { get; private set; }

    public Task FailJobAsync(Guid jobId, FailJobRequest request, CancellationToken cancellationToken) =>
        Finish(new JobResult(jobId, null, request));

    private Task Finish(JobResult result)
    {
        if (ResultFailure(Interlocked.Increment(ref _resultCalls)) is { } failure)
        {
            // A 422 on complete is the server failing the job itself: it is finished all the same.
            if (failure is Sdk.Client.OutpostApiException { StatusCode: 422 })
            {
                lock (_gate)
                {
                    _active--;
                }
            }

            return Task.FromException(failure);
        }

        lock (_gate)
        {
            _active--;
        }

        Results.Writer.TryWrite(result);
        return Task.CompletedTask;
    }
}
