using System.Diagnostics;
using Npgsql;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Database;
using Outpost.Server.Provisionerd;

namespace Outpost.QueueBench;

/// <summary>
/// Drains a full queue of no-op jobs. Baseline: the bare claim statement (<see cref="JobQueue.ClaimStatement"/>)
/// in a loop on one connection. Measured: <c>daemons</c> daemons over HTTP completing each job at
/// once, timed until the last job is completed: first with an acquire and a completion per job,
/// then as the real daemon works, the completion taking the next job (acquire_next). In between,
/// the same claim-and-complete work called in-process shows what the database alone costs.
/// </summary>
internal static class BurnDownScenario
{
    /// <summary>One row of the table: jobs per second, and CPU milliseconds per job in this process and in PostgreSQL.</summary>
    public readonly record struct Row(double PerSecond, double ProcessCpuMs, double PostgresCpuMs);

    public static async Task<(Row Baseline, Row InProcess, Row Separate, Row Measured)> RunAsync(BenchServer server, int jobs, int daemons, CancellationToken cancellationToken)
    {
        await EnqueueAsync(server, jobs, cancellationToken);
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
        if (claims != jobs)
        {
            throw new InvalidOperationException($"The baseline claimed {claims} of {jobs} jobs.");
        }

        // Between the two: the same claim-and-complete work, called in-process by as many workers as
        // there are daemons, so the report separates what the database costs from what HTTP adds.
        await server.ClearQueueAsync(cancellationToken);
        await EnqueueAsync(server, jobs, cancellationToken);
        var inProcess = await InProcessAsync(server, jobs, daemons, cancellationToken);

        await server.ClearQueueAsync(cancellationToken);
        await EnqueueAsync(server, jobs, cancellationToken);
        var separate = await OverHttpAsync(server, jobs, daemons, handOver: false, cancellationToken);

        await server.ClearQueueAsync(cancellationToken);
        await EnqueueAsync(server, jobs, cancellationToken);
        var measured = await OverHttpAsync(server, jobs, daemons, handOver: true, cancellationToken);
        return (baseline, inProcess, separate, measured);
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
            while ((await server.Queue.TryAcquireAsync(identity, request, "http://bench", cancellationToken)).Job is { } job)
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

    private static async Task EnqueueAsync(BenchServer server, int jobs, CancellationToken cancellationToken)
    {
        for (var i = 0; i < jobs; i++)
        {
            await server.EnqueueAsync(cancellationToken);
        }
    }
}
