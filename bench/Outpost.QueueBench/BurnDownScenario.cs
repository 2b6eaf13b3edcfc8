using System.Diagnostics;
using Npgsql;
using Outpost.Server.Database;
using Outpost.Server.Provisionerd;

namespace Outpost.QueueBench;

/// <summary>
/// Drains a full queue of no-op jobs. Baseline: the bare claim statement (<see cref="JobQueue.ClaimStatement"/>)
/// in a loop on one connection. Measured: <c>daemons</c> daemons over HTTP, each acquiring and
/// completing at once, timed until the last job is completed.
/// </summary>
internal static class BurnDownScenario
{
    public static async Task<(double BaselinePerSecond, double MeasuredPerSecond)> RunAsync(BenchServer server, int jobs, int daemons, CancellationToken cancellationToken)
    {
        await EnqueueAsync(server, jobs, cancellationToken);
        var claims = 0;
        var start = Stopwatch.GetTimestamp();
        await using (var connection = await server.DataSource.OpenConnectionAsync(cancellationToken))
        {
            await using var claim = new NpgsqlCommand(JobQueue.ClaimStatement, connection);
            claim.With(DateTimeOffset.UtcNow).With("baseline").With("baseline").With(new[] { BenchServer.Provisioner });
            while (await claim.ExecuteScalarAsync(cancellationToken) is Guid)
            {
                claims++;
            }
        }

        var baseline = claims / Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (claims != jobs)
        {
            throw new InvalidOperationException($"The baseline claimed {claims} of {jobs} jobs.");
        }

        await server.ClearQueueAsync(cancellationToken);
        await EnqueueAsync(server, jobs, cancellationToken);
        var completed = 0;
        var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        start = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, daemons).Select(i => Task.Run(async () =>
        {
            using var daemon = new BenchDaemon(server.BaseAddress, server.DaemonKey, $"burn-{i}");
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    if (await daemon.AcquireAsync(1, stop.Token) is not { } job)
                    {
                        continue;
                    }

                    await daemon.CompleteAsync(job.JobId, stop.Token);
                    if (Interlocked.Increment(ref completed) == jobs)
                    {
                        done.TrySetResult(Stopwatch.GetTimestamp());
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Drained.
            }
        }, CancellationToken.None)).ToArray();

        var end = await done.Task.WaitAsync(TimeSpan.FromMinutes(10), cancellationToken);
        await stop.CancelAsync();
        await Task.WhenAll(workers);
        return (baseline, jobs / Stopwatch.GetElapsedTime(start, end).TotalSeconds);
    }

    private static async Task EnqueueAsync(BenchServer server, int jobs, CancellationToken cancellationToken)
    {
        for (var i = 0; i < jobs; i++)
        {
            await server.EnqueueAsync(cancellationToken);
        }
    }
}
