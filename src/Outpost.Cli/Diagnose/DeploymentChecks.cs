using System.Globalization;
using System.Text.Json.Serialization;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Cli.Diagnose;

/// <summary>A check of <c>outpost diagnose --deployment</c>: which facts it reads and the verdicts it gives.</summary>
internal sealed record DeploymentCheckRule(string Id, Func<DeploymentFacts, IEnumerable<DeploymentCheck>> Run);

/// <summary>One verdict of a deployment check, in the vocabulary of the workspace diagnosis (<see cref="Incident"/>).</summary>
internal sealed record DeploymentCheck
{
    /// <summary>The check that gave it (<see cref="DeploymentChecks"/>).</summary>
    public required string Check { get; init; }

    public required Verdict Verdict { get; init; }

    /// <summary><c>client</c>, <c>network</c>, <c>server</c> or <c>provisioner</c>.</summary>
    public required string Side { get; init; }

    public required string What { get; init; }

    public required string Advice { get; init; }
}

/// <summary>An HTTP GET from this machine: its status, or why it got none, and how long it took.</summary>
internal sealed record Probe(string Url, int? Status, string? Error, double ElapsedMs, string? Detail = null, DateTimeOffset? Date = null);

/// <summary>What the deployment checks read: this machine's probes and the server's own checks when the caller may read them.</summary>
internal sealed record DeploymentFacts
{
    /// <summary>The URL this machine is logged in to.</summary>
    public required string Url { get; init; }

    /// <summary>This machine's clock when the checks ran.</summary>
    public required DateTimeOffset CheckedAt { get; init; }

    /// <summary><c>GET /healthz</c> of <see cref="Url"/> from here.</summary>
    public required Probe Healthz { get; init; }

    /// <summary>The server's checks (<c>GET /api/v2/deployment/health</c>); null when they could not be read.</summary>
    public DeploymentHealth? Health { get; init; }

    /// <summary>Why <see cref="Health"/> is missing.</summary>
    [JsonIgnore]
    public string? HealthMissing { get; init; }

    /// <summary>The server's clock minus this machine's (positive: this machine is behind), when it could be measured.</summary>
    public TimeSpan? Skew { get; init; }

    /// <summary>What <see cref="Skew"/> was read from: the server's time field (milliseconds) or its Date header (seconds).</summary>
    public string SkewSource { get; init; } = string.Empty;

    /// <summary><c>GET /healthz</c> of the server's access URL from here, when it differs from <see cref="Url"/>.</summary>
    public Probe? AccessUrl { get; init; }
}

/// <summary>
/// Every check of <c>outpost diagnose --deployment</c> (issue 24), in one table: each turns the facts into verdicts —
/// <c>expected</c> when the part works, <c>investigate</c> with what to do when it does not. Checks that need the
/// server's part give nothing without it (the report says it is missing). Each check has a test in
/// <c>DeploymentChecksTests</c>.
/// </summary>
internal static class DeploymentChecks
{
    /// <summary>A database round trip slower than this (measured by the server) is worth a look.</summary>
    public const double SlowDatabaseMs = 100;

    /// <summary>The clock difference this machine and the server may have before it is worth a look.</summary>
    public static readonly TimeSpan SkewTolerance = TimeSpan.FromSeconds(5);

    public static IReadOnlyList<DeploymentCheckRule> All { get; } =
    [
        new("server-health", static f => [f.Healthz switch
        {
            { Error: { } error } => Check("server-health", Verdict.Investigate, "network", $"the server at {f.Url} does not answer from here: {error}",
                "check the URL (`outpost login <url>`), that the server runs, and that nothing between here and it blocks the port"),
            { Status: 200 } => Check("server-health", Verdict.Expected, "server",
                $"the server at {f.Url} answers and reaches its database (/healthz in {Ms(f.Healthz.ElapsedMs)}){(f.Health is { } h ? $"; outpost {h.Version} ({h.Commit})" : string.Empty)}", "nothing to do"),
            { Status: 503 } => Check("server-health", Verdict.Investigate, "server", $"the server at {f.Url} answers but is unhealthy: {f.Healthz.Detail ?? "503"}",
                "check that the server's PostgreSQL runs and that --postgres-url reaches it; the server's log says why"),
            _ => Check("server-health", Verdict.Investigate, "network", $"{f.Url}/healthz answered {f.Healthz.Status} instead of 200: is this an Outpost server, or a proxy in front of it?",
                "check the URL you logged in with (`outpost login <url>`) and any proxy between here and the server"),
        }]),
        new("database-latency", static f => f.Health is not { } h ? [] : [h.Database switch
        {
            { Healthy: false } => Check("database-latency", Verdict.Investigate, "server", $"the server cannot use its database: {h.Database.Error}",
                "check that PostgreSQL runs and that the server's --postgres-url reaches it"),
            { LatencyMs: > SlowDatabaseMs } => Check("database-latency", Verdict.Investigate, "server",
                $"the database answered in {Ms(h.Database.LatencyMs!.Value)} (measured by the server; more than {SlowDatabaseMs:0} ms is slow)",
                "check the database's load and the network between the server and PostgreSQL"),
            _ => Check("database-latency", Verdict.Expected, "server", $"the database answered in {Ms(h.Database.LatencyMs ?? 0)} (measured by the server)", "nothing to do"),
        }]),
        new("provisioner-daemons", static f => f.Health is not { } h ? [] : Daemons(h)),
        new("waiting-jobs", static f => f.Health is not { } h ? [] : Waiting(h)),
        new("pubsub", static f => f.Health is not { } h ? [] : [h.Pubsub.Healthy
            ? Check("pubsub", Verdict.Expected, "server", $"a message published through the pubsub came back in {Ms(h.Pubsub.LatencyMs ?? 0)}", "nothing to do")
            : Check("pubsub", Verdict.Investigate, "server", $"the pubsub is not delivering: {h.Pubsub.Error}",
                "the server's listening connection to PostgreSQL is down or stuck: read the server's log (pubsub events 4200–4299) and check PostgreSQL's connection limit; builds and sessions wait for changes they are not told about")]),
        new("clock-skew", static f => f.Skew is not { } skew ? [] : [skew.Duration() <= SkewTolerance
            ? Check("clock-skew", Verdict.Expected, "client", $"this machine's clock is {Skew(skew)} the server's ({f.SkewSource}; within {SkewTolerance.TotalSeconds:0} s)", "nothing to do")
            : Check("clock-skew", Verdict.Investigate, "client", $"this machine's clock is {Skew(skew)} the server's ({f.SkewSource}; more than {SkewTolerance.TotalSeconds:0} s)",
                "synchronise the clocks of this machine and the server (NTP): token lifetimes and the times of `outpost diagnose` depend on them")]),
        new("access-url", static f => f.Health is not { } h ? [] : [(f.AccessUrl ?? f.Healthz) switch
        {
            { Error: null, Status: 200 } probe => Check("access-url", Verdict.Expected, "network",
                $"the access URL {h.AccessUrl}{(h.AccessUrlConfigured ? string.Empty : " (not configured: the URL of this request)")} answers from here ({Ms(probe.ElapsedMs)})", "nothing to do"),
            var probe => Check("access-url", Verdict.Investigate, "network",
                $"the access URL {h.AccessUrl}, which agents and browsers use, does not answer from here: {probe.Error ?? $"status {probe.Status}"}",
                "set the server's --access-url to a URL this machine and the workspaces can reach, or open the way to it (DNS, firewall, proxy)"),
        }]),
    ];

    /// <summary>The verdicts of every check, in the table's order.</summary>
    public static List<DeploymentCheck> Run(DeploymentFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return [.. All.SelectMany(rule => rule.Run(facts))];
    }

    private static IEnumerable<DeploymentCheck> Daemons(DeploymentHealth h)
    {
        if (h.ProvisionerDaemons.Count == 0)
        {
            yield return Check("provisioner-daemons", Verdict.Investigate, "provisioner", "no provisioner daemon has been in contact in the last day: no build can run",
                "start one (`outpost provisionerd start --provisioners local,terraform`) or run the server with built-in daemons");
            yield break;
        }

        foreach (var type in h.ProvisionerDaemons.SelectMany(d => d.Provisioners).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var serving = h.ProvisionerDaemons.Where(d => d.Provisioners.Contains(type, StringComparer.Ordinal)).ToList();
            var inContact = serving.Where(d => d.InContact).ToList();
            var last = serving.MaxBy(d => d.LastSeenAt)!;
            yield return inContact.Count > 0
                ? Check("provisioner-daemons", Verdict.Expected, "provisioner",
                    $"`{type}`: {Count(inContact.Count, "daemon")} in contact ({Names(inContact)}); last contact {Ago(h.Time - last.LastSeenAt)}", "nothing to do")
                : Check("provisioner-daemons", Verdict.Investigate, "provisioner",
                    $"`{type}`: no daemon in contact; the last one ({last.Name}) was heard from {Ago(h.Time - last.LastSeenAt)}",
                    $"restart the daemons that serve `{type}` (`outpost provisionerd start --provisioners {type}`) and check they reach the server");
        }
    }

    private static IEnumerable<DeploymentCheck> Waiting(DeploymentHealth h)
    {
        if (h.WaitingJobs.Count == 0)
        {
            yield return Check("waiting-jobs", Verdict.Expected, "provisioner", "no job waits for a provisioner daemon", "nothing to do");
            yield break;
        }

        foreach (var waiting in h.WaitingJobs)
        {
            var wait = h.Time - waiting.OldestQueuedAt;
            var jobs = waiting.Count == 1 ? "1 job waits" : $"{waiting.Count} jobs wait";
            var oldest = waiting.Count == 1 ? $"for {DiagnosisRules.Duration(wait.TotalMilliseconds)}" : $"the oldest for {DiagnosisRules.Duration(wait.TotalMilliseconds)}";
            yield return waiting switch
            {
                { DaemonsInContact: 0 } => Check("waiting-jobs", Verdict.Investigate, "provisioner",
                    $"{jobs} for a `{waiting.Provisioner}` daemon ({oldest}) and no daemon in contact serves `{waiting.Provisioner}`",
                    $"start a daemon that serves `{waiting.Provisioner}` (`outpost provisionerd start --provisioners {waiting.Provisioner}`), or cancel the builds that wait (`outpost cancel <workspace>`)"),
                _ when wait >= DiagnosisRules.SlowQueue => Check("waiting-jobs", Verdict.Investigate, "provisioner",
                    $"{jobs} for `{waiting.Provisioner}` ({oldest}) although {Count(waiting.DaemonsInContact, "daemon")} in contact serve it: they are busy",
                    $"add daemons that serve `{waiting.Provisioner}`, or check that the ones in contact are not stuck on long builds"),
                _ => Check("waiting-jobs", Verdict.Expected, "provisioner",
                    $"{jobs} for `{waiting.Provisioner}` ({oldest}); {Count(waiting.DaemonsInContact, "daemon")} in contact serve it", "nothing to do"),
            };
        }
    }

    private static DeploymentCheck Check(string id, Verdict verdict, string side, string what, string advice) =>
        new() { Check = id, Verdict = verdict, Side = side, What = what, Advice = advice };

    private static string Ms(double milliseconds) => milliseconds < 10
        ? milliseconds.ToString("0.0", CultureInfo.InvariantCulture) + " ms"
        : DiagnosisRules.Duration(milliseconds);

    private static string Count(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

    private static string Names(List<Sdk.Diagnostics.ProvisionerDaemonStatus> daemons) =>
        daemons.Count <= 3 ? string.Join(", ", daemons.Select(d => d.Name)) : string.Join(", ", daemons.Take(3).Select(d => d.Name)) + $" and {daemons.Count - 3} more";

    private static string Ago(TimeSpan span) => span < TimeSpan.FromSeconds(1) ? "just now" : span.TotalHours >= 2
        ? $"{span.TotalHours.ToString("0.0", CultureInfo.InvariantCulture)} h ago"
        : $"{DiagnosisRules.Duration(span.TotalMilliseconds)} ago";

    private static string Skew(TimeSpan skew)
    {
        var amount = skew.Duration().TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
        if (skew.Duration() < TimeSpan.FromMilliseconds(50))
        {
            return "within 0.1 s of";
        }

        return skew >= TimeSpan.Zero ? $"{amount} s behind" : $"{amount} s ahead of";
    }
}
