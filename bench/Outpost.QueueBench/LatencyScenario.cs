using System.Collections.Concurrent;
using System.Diagnostics;
using Outpost.Sdk.Provisioning;
using Outpost.Server.ProvisionerJobs;
using Outpost.Server.Provisionerd;

namespace Outpost.QueueBench;

/// <summary>
/// Enqueue→claim latency, one job at a time. Baseline: the server's claim (<see cref="JobQueue"/>)
/// called in-process right after the enqueue returns. Measured: the same enqueue with
/// <c>idleDaemons</c> daemons parked in the acquire long poll over HTTP, timed until one of them
/// holds the job (its HTTP answer has arrived).
/// </summary>
internal static class LatencyScenario
{
    public static async Task<(Percentiles Baseline, Percentiles Measured)> RunAsync(BenchServer server, int jobs, int idleDaemons, CancellationToken cancellationToken)
    {
        var baseline = new List<double>(jobs);
        var identity = new DaemonIdentity("baseline", "baseline");
        var request = new AcquireJobRequest { DaemonName = "baseline", Provisioners = [BenchServer.Provisioner] };
        for (var i = 0; i < jobs; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var jobId = await server.EnqueueAsync(cancellationToken);
            var (job, _, _) = await server.Queue.TryAcquireAsync(identity.KeyId, request, server.BaseAddress.ToString(), cancellationToken);
            baseline.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            if (job?.JobId != jobId)
            {
                throw new InvalidOperationException($"The baseline claimed {job?.JobId} instead of {jobId}.");
            }
        }

        await server.ClearQueueAsync(cancellationToken);

        var claimed = new ConcurrentDictionary<Guid, TaskCompletionSource<long>>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var daemons = Enumerable.Range(0, idleDaemons).Select(i => Task.Run(() => ServeAsync(server, $"idle-{i}", claimed, stop.Token), CancellationToken.None)).ToArray();

        // Lets every daemon reach the long poll before the first job, so all of them are idle and woken.
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        var measured = new List<double>(jobs);
        for (var i = 0; i < jobs; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var jobId = await server.EnqueueAsync(cancellationToken);
            var at = await claimed.GetOrAdd(jobId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            measured.Add(Stopwatch.GetElapsedTime(start, at).TotalMilliseconds);
            // Back to idle: the daemon that took the job completes it and parks again.
            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }

        await stop.CancelAsync();
        await Task.WhenAll(daemons);
        return (new Percentiles(baseline), new Percentiles(measured));
    }

    private static async Task ServeAsync(BenchServer server, string name, ConcurrentDictionary<Guid, TaskCompletionSource<long>> claimed, CancellationToken cancellationToken)
    {
        using var daemon = new BenchDaemon(server.BaseAddress, server.DaemonKey, name);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var job = await daemon.AcquireAsync(10, cancellationToken);
                if (job is null)
                {
                    continue;
                }

                claimed.GetOrAdd(job.JobId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(Stopwatch.GetTimestamp());
                await daemon.CompleteAsync(job.JobId, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run is over.
        }
    }
}
