using System.Globalization;
using Outpost.QueueBench;

// Usage: dotnet run -c Release --project bench/Outpost.QueueBench -- [--latency-jobs N] [--idle-daemons N]
//        [--burn-jobs N] [--burn-daemons N] [--burn-rounds N] [--chaos-jobs N] [--chaos-daemons N] [--external-key 0|1]
// A phase with 0 jobs is skipped. The tables go to stdout; the server's logs and progress go to stderr.
var settings = new Dictionary<string, int>(StringComparer.Ordinal)
{
    ["--latency-jobs"] = 300,
    ["--idle-daemons"] = 50,
    ["--burn-jobs"] = 6000,
    ["--burn-daemons"] = 8,
    ["--burn-rounds"] = 3,
    ["--chaos-jobs"] = 2000,
    ["--chaos-daemons"] = 8,
    ["--external-key"] = 0,
};
for (var i = 0; i < args.Length; i++)
{
    if (!settings.ContainsKey(args[i]) || i + 1 >= args.Length || !int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
    {
        await Console.Error.WriteLineAsync($"unknown flag or missing number at \"{args[i]}\"; flags: {string.Join(", ", settings.Keys)}");
        return ExitCodes.Usage;
    }

    settings[args[i]] = value;
    i++;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
var ct = cancel.Token;
var invariant = CultureInfo.InvariantCulture;

await using var server = await BenchServer.StartAsync(settings["--external-key"] != 0, ct);
await Console.Error.WriteLineAsync($"queue bench: server at {server.BaseAddress}");

if (settings["--latency-jobs"] > 0)
{
    var (baseline, measured) = await LatencyScenario.RunAsync(server, settings["--latency-jobs"], settings["--idle-daemons"], ct);
    Console.WriteLine(string.Create(invariant, $"""
        ## Enqueue→claim latency ({measured.Count} jobs, one at a time, {settings["--idle-daemons"]} idle daemons long-polling over HTTP)

        | | p50 | p95 | p99 | max |
        | --- | ---: | ---: | ---: | ---: |
        | Baseline: enqueue, then the server's claim called in-process | {baseline.Format(50)} | {baseline.Format(95)} | {baseline.Format(99)} | {baseline.Format(100)} |
        | Enqueue until a daemon holds the job (NOTIFY, wake, claim, HTTP answer) | {measured.Format(50)} | {measured.Format(95)} | {measured.Format(99)} | {measured.Format(100)} |

        """));
}

if (settings["--burn-jobs"] > 0 && settings["--burn-rounds"] > 0)
{
    var daemonCount = settings["--burn-daemons"];
    var burn = await BurnDownScenario.RunAsync(server, settings["--burn-jobs"], daemonCount, settings["--burn-rounds"], ct);
    var table = new System.Text.StringBuilder();
    table.AppendLine(invariant, $"## Queue burn-down ({settings["--burn-jobs"]} no-op jobs queued up front, {burn.Rounds.Count} rounds)");
    table.AppendLine();
    table.AppendLine(invariant, $"| Round | Baseline: the bare claim statement in a loop on one connection | {daemonCount} daemons over HTTP as the real daemon works (complete with acquire_next) | ratio |");
    table.AppendLine("| ---: | ---: | ---: | ---: |");
    for (var i = 0; i < burn.Rounds.Count; i++)
    {
        var (bare, daemons) = burn.Rounds[i];
        table.AppendLine(invariant,
            $"| {i + 1} | {bare.PerSecond:0}/s ({bare.ProcessCpuMs:0.00} + {bare.PostgresCpuMs:0.00} ms) | {daemons.PerSecond:0}/s ({daemons.ProcessCpuMs:0.00} + {daemons.PostgresCpuMs:0.00} ms) | {burn.Rounds[i].Ratio:0.00} |");
    }

    table.AppendLine(invariant, $"| median | {burn.MedianBaseline:0}/s | | **{burn.MedianRatio:0.00}** |");
    table.AppendLine();
    table.AppendLine("In parentheses: CPU milliseconds per job in this process + in PostgreSQL. Measured once, before the rounds, against the median baseline:");
    table.AppendLine();
    table.AppendLine("| | jobs/s | ratio | CPU ms/job: this process | CPU ms/job: PostgreSQL |");
    table.AppendLine("| --- | ---: | ---: | ---: | ---: |");
    foreach (var (name, row) in new[]
    {
        ($"{daemonCount} workers calling the server's claim and completion in-process (no HTTP)", burn.InProcess),
        ($"{daemonCount} daemons over HTTP: acquire, then complete (two requests per job)", burn.Separate),
    })
    {
        table.AppendLine(invariant, $"| {name} | {row.PerSecond:0} | {row.PerSecond / burn.MedianBaseline:0.00} | {row.ProcessCpuMs:0.00} | {row.PostgresCpuMs:0.00} |");
    }

    Console.WriteLine(table.ToString());
}

if (settings["--chaos-jobs"] == 0)
{
    return ExitCodes.Ok;
}

var chaos = await ChaosScenario.RunAsync(server, settings["--chaos-jobs"], settings["--chaos-daemons"], ct);
Console.WriteLine(string.Create(invariant, $"""
    ## Chaos ({chaos.Jobs} jobs, {settings["--chaos-daemons"]} daemon slots, {chaos.Elapsed.TotalSeconds:0.0} s)

    | Count | Value |
    | --- | ---: |
    | Claims recorded by the database | {chaos.Claims} |
    | Jobs claimed more than once (database) | {chaos.DoubleClaims} |
    | Jobs handed to more than one daemon (HTTP answers) | {chaos.HandedOutTwice} |
    | Jobs never completed (lost) | {chaos.Lost} |
    | Jobs completed more than once | {chaos.CompletedTwice} |
    | Succeeded (completed by a daemon) | {chaos.Succeeded} |
    | Failed by a daemon | {chaos.FailedByDaemon} |
    | Failed by the reaper (abandoned by a killed daemon) | {chaos.Reaped} |
    | Daemons killed | {chaos.Kills} |
    | Completions refused because the reaper came first | {chaos.Refused} |

    """));

var ok = chaos.DoubleClaims == 0 && chaos.HandedOutTwice == 0 && chaos.Lost == 0 && chaos.CompletedTwice == 0
    && chaos.Succeeded + chaos.FailedByDaemon + chaos.Reaped == chaos.Jobs;
await Console.Error.WriteLineAsync(ok ? "queue bench: every job ended exactly once" : "queue bench: INVARIANT BROKEN, see the chaos table");
return ok ? ExitCodes.Ok : ExitCodes.InvariantBroken;
