using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Database;
using Outpost.Server.ProvisionerJobs;
using Outpost.Server.Provisionerd;

namespace Outpost.QueueBench;

/// <summary>
/// Drains a full queue of no-op jobs. Baseline: the bare claim statement (<see cref="JobQueue.ClaimStatement"/>)
/// in a loop on one connection. Measured: <c>daemons</c> daemons over HTTP completing each job at
/// once as the real daemon works (the completion takes the next job: acquire_next), timed until the
/// last job is completed. Before the rounds, two more rows show where the cost is: the same
/// claim-and-complete work called in-process, and daemons making an acquire and a completion per job.
/// </summary>
internal static class BurnDownScenario
{
    /// <summary>One row of the table: jobs per second, and CPU milliseconds per job in this process and in PostgreSQL.</summary>
    public readonly record struct Row(double PerSecond, double ProcessCpuMs, double PostgresCpuMs);

    /// <summary>One round: the baseline, then the daemons as the real daemon works, each on a fresh queue.</summary>
    public readonly record struct Round(Row Baseline, Row Measured)
    {
        public double Ratio => Measured.PerSecond / Baseline.PerSecond;
    }

    /// <summary>Every round, and the two rows measured once before the rounds to show where the cost is.</summary>
    public sealed record Result(IReadOnlyList<Round> Rounds, Row InProcess, Row Separate)
    {
        /// <summary>The goal's figure: the median of the rounds' ratios, each against its own round's baseline.</summary>
        public double MedianRatio => Median(Rounds.Select(r => r.Ratio));

        public double MedianBaseline => Median(Rounds.Select(r => r.Baseline.PerSecond));

        private static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        }
    }

    /// <remarks>
    /// Every phase, baseline included, starts from the same state: the previous phase's leftovers
    /// completed, <paramref name="jobs"/> new jobs queued, and the queue's tables vacuumed. Without
    /// the vacuum, each phase ran over the dead row versions of all the phases before it (the
    /// baseline on a fresh table, the goal's row last, over tens of thousands), and an autovacuum
    /// pass landed in one phase or another at random. The baseline and the goal's row alternate for
    /// <paramref name="rounds"/> rounds, so a slow or fast moment of a shared machine moves one
    /// round's ratio, not the result.
    /// </remarks>
    public static async Task<Result> RunAsync(BenchServer server, int jobs, int daemons, int rounds, CancellationToken cancellationToken)
    {
        // First, unreported, one pass as the real daemon works: in a fresh process the first two
        // passes of HTTP load cost this process about twice the CPU per job of later ones (cause
        // not pinned down; a 1,000-job warm-up was not enough, and the thread pool shrinks from
        // 7-8 threads to 4 meanwhile), and that belongs to no round. The two explanatory rows
        // come next and warm up further.
        // The latency run leaves about fifty idle connections in the pool (its daemons' first
        // acquires all came at once); the server prunes them after 30 s, but the rows below would
        // run on them until then, so this run starts from an empty pool, as it would alone.
        server.DataSource.Clear();
        await PrepareQueueAsync(server, jobs, cancellationToken);
        await OverHttpAsync(server, jobs, daemons, handOver: true, cancellationToken);
        // The same claim-and-complete work called in-process by as many workers as there are
        // daemons separates what the database costs from what HTTP adds; the two-request row
        // shows what acquire_next saves.
        await PrepareQueueAsync(server, jobs, cancellationToken);
        var inProcess = await InProcessAsync(server, jobs, daemons, cancellationToken);
        await PrepareQueueAsync(server, jobs, cancellationToken);
        var separate = await OverHttpAsync(server, jobs, daemons, handOver: false, cancellationToken);

        var results = new List<Round>();
        for (var round = 1; round <= rounds; round++)
        {
            await PrepareQueueAsync(server, jobs, cancellationToken);
            var baseline = await BareClaimsAsync(server, jobs, cancellationToken);
            await PrepareQueueAsync(server, jobs, cancellationToken);
            var measured = await OverHttpAsync(server, jobs, daemons, handOver: true, cancellationToken);
            results.Add(new Round(baseline, measured));
            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"queue bench: burn-down round {round}: {measured.PerSecond:0} against {baseline.PerSecond:0} jobs/s, ratio {measured.PerSecond / baseline.PerSecond:0.00}"));
        }

        return new Result(results, inProcess, separate);
    }

    /// <summary>The baseline: the bare claim statement in a loop on one connection until the queue is empty.</summary>
    private static async Task<Row> BareClaimsAsync(BenchServer server, int jobs, CancellationToken cancellationToken)
    {
        var claims = 0;
        var cpu = server.Cpu.Read();
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

        var baseline = Measure(server, claims, start, Stopwatch.GetTimestamp(), cpu);
        return claims == jobs ? baseline : throw new InvalidOperationException($"The baseline claimed {claims} of {jobs} jobs.");
    }

    /// <summary>
    /// Daemons over HTTP, each acquiring and completing at once; with <paramref name="handOver"/> a
    /// completion also takes the next job (acquire_next), as the real daemon does.
    /// </summary>
    private static async Task<Row> OverHttpAsync(BenchServer server, int jobs, int daemons, bool handOver, CancellationToken cancellationToken)
    {
        var completed = 0;
        var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await Console.Error.WriteLineAsync($"queue bench: burn-down over HTTP with {daemons} daemons (acquire_next: {handOver})");
        var cpu = server.Cpu.Read();
        var start = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, daemons).Select(i => Task.Run(async () =>
        {
            using var daemon = new BenchDaemon(server.BaseAddress, server.DaemonKey, $"burn-{i}");
            try
            {
                AcquiredJob? next = null;
                while (!stop.IsCancellationRequested)
                {
                    var job = next ?? await daemon.AcquireAsync(1, stop.Token);
                    next = null;
                    if (job is null)
                    {
                        continue;
                    }

                    next = handOver ? await daemon.CompleteAndAcquireNextAsync(job.JobId, stop.Token) : await daemon.CompleteAsync(job.JobId, stop.Token);
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
        var measured = Measure(server, jobs, start, end, cpu);
        await stop.CancelAsync();
        await Task.WhenAll(workers);
        return measured;
    }

    private static Row Measure(BenchServer server, int jobs, long start, long end, CpuMeter.Sample cpu)
    {
        var (process, postgres) = CpuMeter.PerJob(cpu, server.Cpu.Read(), jobs);
        return new Row(jobs / Stopwatch.GetElapsedTime(start, end).TotalSeconds, process, postgres);
    }

    private static async Task<Row> InProcessAsync(BenchServer server, int jobs, int workers, CancellationToken cancellationToken)
    {
        var identity = new DaemonIdentity(InternalProvisionerKey.DaemonKeyId, "built-in");
        var completion = new CompleteJobRequest { TemplateImport = new TemplateImportResult { Parameters = [], Resources = [] } };
        var completed = 0;
        var cpu = server.Cpu.Read();
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(i => Task.Run(async () =>
        {
            var request = new AcquireJobRequest { DaemonName = $"in-process-{i}", Provisioners = [BenchServer.Provisioner], WaitSeconds = 1 };
            while ((await server.Queue.TryAcquireAsync(identity.KeyId, request, "http://bench", cancellationToken)).Job is { } job)
            {
                var (outcome, _, _) = await server.Jobs.CompleteAsync(identity, job.JobId, completion, next: null, cancellationToken);
                if (outcome.Refusal != DaemonJobRefusal.None)
                {
                    throw new InvalidOperationException($"In-process completion refused: {outcome.Detail}");
                }

                Interlocked.Increment(ref completed);
            }
        }, CancellationToken.None)));
        if (completed != jobs)
        {
            throw new InvalidOperationException($"The in-process workers completed {completed} of {jobs} jobs.");
        }

        return Measure(server, jobs, start, Stopwatch.GetTimestamp(), cpu);
    }

    /// <summary>Completes what an earlier phase left, queues <paramref name="jobs"/> jobs and vacuums the queue's tables.</summary>
    private static async Task PrepareQueueAsync(BenchServer server, int jobs, CancellationToken cancellationToken)
    {
        await server.ClearQueueAsync(cancellationToken);
        for (var i = 0; i < jobs; i++)
        {
            await server.EnqueueAsync(cancellationToken);
        }

        await server.VacuumQueueAsync(cancellationToken);
    }
}
