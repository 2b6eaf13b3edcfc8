using System.Collections.Concurrent;
using Outpost.Sdk.Client;
using Outpost.Sdk.Provisioning;

namespace Outpost.QueueBench;

/// <summary>What the chaos run counted: from the daemons' side and, for the verdict, from the database.</summary>
internal sealed record ChaosResult(
    int Jobs,
    long Claims,
    long DoubleClaims,
    long HandedOutTwice,
    long Lost,
    long CompletedTwice,
    long Succeeded,
    long FailedByDaemon,
    long Reaped,
    int Kills,
    int Refused,
    TimeSpan Elapsed);

/// <summary>
/// Jobs queued while daemons acquire and complete or fail them, and die at random: cancelled in the
/// middle of an acquire or a completion, or holding a claimed job they never finish. The server's
/// reaper (run directly, with a short hung threshold) must fail the abandoned ones; every job must
/// end with exactly one claim and exactly one completion, counted by triggers in the database.
/// </summary>
internal static class ChaosScenario
{
    public const string DaemonFailure = "queue benchmark: failed on purpose";

    public static async Task<ChaosResult> RunAsync(BenchServer server, int jobs, int daemons, CancellationToken cancellationToken)
    {
        await server.ClearQueueAsync(cancellationToken);
        await server.InstallCountersAsync(cancellationToken);
        var ids = new ConcurrentBag<Guid>();
        var handedOut = new ConcurrentDictionary<Guid, int>();
        int kills = 0, refused = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();

        var producers = Enumerable.Range(0, 2).Select(p => Task.Run(async () =>
        {
            for (var i = p; i < jobs; i += 2)
            {
                ids.Add(await server.EnqueueAsync(cancellationToken));
            }
        }, CancellationToken.None)).ToArray();

        var workers = Enumerable.Range(0, daemons).Select(slot => Task.Run(async () =>
        {
            var random = new Random(slot);
            var generation = 0;
            while (!stop.IsCancellationRequested)
            {
                // One daemon life: it serves until it is killed, then a fresh one takes the slot.
                using var daemon = new BenchDaemon(server.BaseAddress, server.DaemonKey, $"chaos-{slot}-{generation++}");
                using var life = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                try
                {
                    AcquiredJob? next = null;
                    while (true)
                    {
                        var roll = random.NextDouble();
                        if (roll < 0.02)
                        {
                            life.CancelAfter(random.Next(0, 30));
                        }

                        // A job handed over with the last completion is this daemon's already.
                        var job = next ?? await daemon.AcquireAsync(1, life.Token);
                        next = null;
                        if (job is null)
                        {
                            continue;
                        }

                        handedOut.AddOrUpdate(job.JobId, 1, (_, n) => n + 1);
                        roll = random.NextDouble();
                        if (roll < 0.03)
                        {
                            break;
                        }

                        if (roll < 0.05)
                        {
                            life.CancelAfter(random.Next(0, 5));
                        }

                        try
                        {
                            if (roll < 0.45)
                            {
                                next = await daemon.CompleteAndAcquireNextAsync(job.JobId, life.Token);
                            }
                            else
                            {
                                await (roll < 0.85 ? daemon.CompleteAsync(job.JobId, life.Token) : daemon.FailAsync(job.JobId, life.Token));
                            }
                        }
                        catch (OutpostApiException)
                        {
                            // The reaper got there first (a job held past the threshold on a busy machine).
                            Interlocked.Increment(ref refused);
                        }
                    }
                }
                catch (Exception e) when (e is OperationCanceledException or HttpRequestException && !stop.IsCancellationRequested)
                {
                    // Killed mid-request.
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }

                Interlocked.Increment(ref kills);
            }
        }, CancellationToken.None)).ToArray();

        await Task.WhenAll(producers);
        var idArray = ids.ToArray();
        var deadline = DateTimeOffset.UtcNow.AddMinutes(10);
        using (var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(250)))
        {
            while (await tick.WaitForNextTickAsync(cancellationToken))
            {
                await server.Reaper.RunOnceAsync(cancellationToken);
                var open = await server.ScalarAsync("SELECT count(*) FROM provisioner_jobs WHERE id = ANY($1) AND completed_at IS NULL", [idArray], cancellationToken);
                if (open == 0 || DateTimeOffset.UtcNow > deadline)
                {
                    break;
                }
            }
        }

        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        await stop.CancelAsync();
        await Task.WhenAll(workers);
        return new ChaosResult(
            Jobs: idArray.Length,
            Claims: await server.ScalarAsync("SELECT count(*) FROM counted_claims WHERE job_id = ANY($1)", [idArray], cancellationToken),
            DoubleClaims: await server.ScalarAsync(
                "SELECT count(*) FROM (SELECT job_id FROM counted_claims WHERE job_id = ANY($1) GROUP BY job_id HAVING count(*) > 1) d", [idArray], cancellationToken),
            HandedOutTwice: handedOut.Count(pair => pair.Value > 1),
            Lost: await server.ScalarAsync(
                "SELECT count(*) FROM unnest($1::uuid[]) AS j(id) WHERE NOT EXISTS (SELECT 1 FROM counted_completions c WHERE c.job_id = j.id)", [idArray], cancellationToken),
            CompletedTwice: await server.ScalarAsync(
                "SELECT count(*) FROM (SELECT job_id FROM counted_completions WHERE job_id = ANY($1) GROUP BY job_id HAVING count(*) > 1) d", [idArray], cancellationToken),
            Succeeded: await server.ScalarAsync("SELECT count(*) FROM provisioner_jobs WHERE id = ANY($1) AND job_status = 'succeeded'", [idArray], cancellationToken),
            FailedByDaemon: await server.ScalarAsync("SELECT count(*) FROM provisioner_jobs WHERE id = ANY($1) AND error = $2", [idArray, DaemonFailure], cancellationToken),
            Reaped: await server.ScalarAsync("SELECT count(*) FROM provisioner_jobs WHERE id = ANY($1) AND error LIKE 'Outpost: Build has been detected%'", [idArray], cancellationToken),
            Kills: kills,
            Refused: refused,
            Elapsed: elapsed);
    }
}
