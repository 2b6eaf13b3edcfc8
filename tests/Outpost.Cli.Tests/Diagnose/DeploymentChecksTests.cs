using Outpost.Cli.Diagnose;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Cli.Tests.Diagnose;

/// <summary>Each check of <see cref="DeploymentChecks"/> on the facts it reads: what works, what does not, and what it says to do.</summary>
public sealed class DeploymentChecksTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 3, 10, 42, 3, TimeSpan.Zero);

    [Fact]
    public void Every_check_is_tested_here()
    {
        var tested = typeof(DeploymentChecksTests).GetMethods().Where(m => m.Name.StartsWith("Check_", StringComparison.Ordinal))
            .Select(m => m.Name["Check_".Length..].Split("__")[0].Replace('_', '-')).ToHashSet(StringComparer.Ordinal);
        Assert.All(DeploymentChecks.All, c => Assert.Contains(c.Id, tested));
        Assert.Equal(DeploymentChecks.All.Count, DeploymentChecks.All.Select(c => c.Id).Distinct().Count());
    }

    [Fact]
    public void Check_server_health__answers_unhealthy_unreachable_and_not_outpost()
    {
        var ok = One(Facts(), "server-health");
        Assert.Equal((Verdict.Expected, "server"), (ok.Verdict, ok.Side));
        Assert.Equal("the server at https://outpost.test answers and reaches its database (/healthz in 3.0 ms); outpost 1.2.3 (abc)", ok.What);

        var down = One(Facts() with { Healthz = new Probe("https://outpost.test", null, "Connection refused (outpost.test:443)", 2), Health = null }, "server-health");
        Assert.Equal((Verdict.Investigate, "network"), (down.Verdict, down.Side));
        Assert.Contains("does not answer from here: Connection refused", down.What, StringComparison.Ordinal);

        var sick = One(Facts() with { Healthz = new Probe("https://outpost.test", 503, null, 2, "the database is unreachable: timeout") }, "server-health");
        Assert.Equal((Verdict.Investigate, "server"), (sick.Verdict, sick.Side));
        Assert.Contains("unhealthy: the database is unreachable: timeout", sick.What, StringComparison.Ordinal);

        Assert.Contains("answered 404 instead of 200", One(Facts() with { Healthz = new Probe("https://outpost.test", 404, null, 2) }, "server-health").What, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_database_latency__is_measured_by_the_server_and_slow_or_broken_is_flagged()
    {
        Assert.Equal("the database answered in 0.8 ms (measured by the server)", One(Facts(), "database-latency").What);
        var slow = One(Facts(h => h with { Database = new ComponentHealth { Healthy = true, LatencyMs = 250 } }), "database-latency");
        Assert.Equal((Verdict.Investigate, "server"), (slow.Verdict, slow.Side));
        Assert.Contains("250 ms", slow.What, StringComparison.Ordinal);
        var broken = One(Facts(h => h with { Database = new ComponentHealth { Healthy = false, Error = "the database did not answer within 3 s" } }), "database-latency");
        Assert.Equal(Verdict.Investigate, broken.Verdict);
        Assert.Contains("--postgres-url", broken.Advice, StringComparison.Ordinal);
        Assert.Empty(Run(Facts() with { Health = null, HealthMissing = "403" }, "database-latency"));
    }

    [Fact]
    public void Check_provisioner_daemons__by_type_with_their_last_contact()
    {
        var checks = Run(Facts(h => h with
        {
            ProvisionerDaemons =
            [
                Daemon("d1", ["local"], T0.AddSeconds(-3), inContact: true),
                Daemon("old-tf", ["terraform"], T0.AddHours(-3), inContact: false),
            ],
        }), "provisioner-daemons");
        Assert.Equal(2, checks.Count);
        Assert.Equal((Verdict.Expected, "`local`: 1 daemon in contact (d1); last contact 3.0 s ago"), (checks[0].Verdict, checks[0].What));
        Assert.Equal((Verdict.Investigate, "provisioner"), (checks[1].Verdict, checks[1].Side));
        Assert.Equal("`terraform`: no daemon in contact; the last one (old-tf) was heard from 3.0 h ago", checks[1].What);
        Assert.Contains("--provisioners terraform", checks[1].Advice, StringComparison.Ordinal);

        var none = One(Facts(h => h with { ProvisionerDaemons = [] }), "provisioner-daemons");
        Assert.Equal(Verdict.Investigate, none.Verdict);
        Assert.Contains("no build can run", none.What, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_waiting_jobs__names_the_type_nobody_serves_and_the_fix()
    {
        var unservable = One(Facts(h => h with { WaitingJobs = [new WaitingJobs { Provisioner = "terraform", Count = 2, OldestQueuedAt = T0.AddMinutes(-3), DaemonsInContact = 0 }] }), "waiting-jobs");
        Assert.Equal((Verdict.Investigate, "provisioner"), (unservable.Verdict, unservable.Side));
        Assert.Equal("2 jobs wait for a `terraform` daemon (the oldest for 3.0 min) and no daemon in contact serves `terraform`", unservable.What);
        Assert.StartsWith("start a daemon that serves `terraform` (`outpost provisionerd start --provisioners terraform`)", unservable.Advice, StringComparison.Ordinal);

        var busy = One(Facts(h => h with { WaitingJobs = [new WaitingJobs { Provisioner = "local", Count = 1, OldestQueuedAt = T0.AddMinutes(-2), DaemonsInContact = 2 }] }), "waiting-jobs");
        Assert.Equal(Verdict.Investigate, busy.Verdict);
        Assert.Equal("1 job waits for `local` (for 2.0 min) although 2 daemons in contact serve it: they are busy", busy.What);

        var fresh = One(Facts(h => h with { WaitingJobs = [new WaitingJobs { Provisioner = "local", Count = 1, OldestQueuedAt = T0.AddSeconds(-2), DaemonsInContact = 1 }] }), "waiting-jobs");
        Assert.Equal(Verdict.Expected, fresh.Verdict);
        Assert.Equal((Verdict.Expected, "no job waits for a provisioner daemon"), (One(Facts(), "waiting-jobs").Verdict, One(Facts(), "waiting-jobs").What));
    }

    [Fact]
    public void Check_pubsub__round_trip_or_why_not()
    {
        Assert.Equal("a message published through the pubsub came back in 1.5 ms", One(Facts(), "pubsub").What);
        var broken = One(Facts(h => h with { Pubsub = new ComponentHealth { Healthy = false, Error = "a message published to the pubsub did not come back within 5 s" } }), "pubsub");
        Assert.Equal((Verdict.Investigate, "server"), (broken.Verdict, broken.Side));
        Assert.Contains("did not come back within 5 s", broken.What, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_clock_skew__within_the_tolerance_or_not_and_which_way()
    {
        Assert.Equal((Verdict.Expected, "client"), (One(Facts(), "clock-skew").Verdict, One(Facts(), "clock-skew").Side));
        var behind = One(Facts() with { Skew = TimeSpan.FromSeconds(42), SkewSource = "from the server's time" }, "clock-skew");
        Assert.Equal(Verdict.Investigate, behind.Verdict);
        Assert.Equal("this machine's clock is 42.0 s behind the server's (from the server's time; more than 5 s)", behind.What);
        Assert.Contains("ahead of", One(Facts() with { Skew = TimeSpan.FromSeconds(-6) }, "clock-skew").What, StringComparison.Ordinal);
        Assert.Empty(Run(Facts() with { Skew = null }, "clock-skew"));
    }

    [Fact]
    public void Check_access_url__answers_from_here_or_not()
    {
        Assert.Equal("the access URL https://outpost.test answers from here (3.0 ms)", One(Facts(), "access-url").What);
        var elsewhere = Facts(h => h with { AccessUrl = "https://internal.example:8443" }) with { AccessUrl = new Probe("https://internal.example:8443", null, "Name or service not known", 5) };
        var unreachable = One(elsewhere, "access-url");
        Assert.Equal((Verdict.Investigate, "network"), (unreachable.Verdict, unreachable.Side));
        Assert.Equal("the access URL https://internal.example:8443, which agents and browsers use, does not answer from here: Name or service not known", unreachable.What);
        Assert.Contains("--access-url", unreachable.Advice, StringComparison.Ordinal);
    }

    private static DeploymentFacts Facts(Func<DeploymentHealth, DeploymentHealth>? change = null)
    {
        var health = new DeploymentHealth
        {
            Time = T0,
            Version = "1.2.3",
            Commit = "abc",
            AccessUrl = "https://outpost.test",
            AccessUrlConfigured = true,
            Database = new ComponentHealth { Healthy = true, LatencyMs = 0.8 },
            Pubsub = new ComponentHealth { Healthy = true, LatencyMs = 1.5 },
            DaemonContactWindowSeconds = 90,
            ProvisionerDaemons = [Daemon("d1", ["local"], T0.AddSeconds(-3), inContact: true)],
            WaitingJobs = [],
        };
        return new DeploymentFacts
        {
            Url = "https://outpost.test",
            CheckedAt = T0,
            Healthz = new Probe("https://outpost.test", 200, null, 3),
            Health = change?.Invoke(health) ?? health,
            Skew = TimeSpan.FromMilliseconds(120),
            SkewSource = "from the server's time",
        };
    }

    private static ProvisionerDaemonStatus Daemon(string name, string[] provisioners, DateTimeOffset lastSeen, bool inContact) => new()
    {
        Name = name, KeyName = "built-in", Provisioners = provisioners, FirstSeenAt = lastSeen.AddHours(-1), LastSeenAt = lastSeen, InContact = inContact,
    };

    private static List<DeploymentCheck> Run(DeploymentFacts facts, string check) => [.. DeploymentChecks.Run(facts).Where(c => c.Check == check)];

    private static DeploymentCheck One(DeploymentFacts facts, string check) => Assert.Single(Run(facts, check));
}
