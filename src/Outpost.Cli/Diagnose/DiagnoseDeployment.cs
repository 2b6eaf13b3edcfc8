using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Outpost.Cli.Hosting;
using Outpost.Sdk.Client;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Cli.Diagnose;

/// <summary>
/// <c>outpost diagnose --deployment</c> (issue 24): probes the server from this machine (<c>/healthz</c>, the access
/// URL, the clock), reads the server's own checks (<c>GET /api/v2/deployment/health</c>, owners and admins) and gives
/// each check a verdict (<see cref="DeploymentChecks"/>). Exit 0 when nothing needs investigating,
/// <see cref="ExitCodes.NeedsInvestigation"/> when something does.
/// </summary>
internal static class DiagnoseDeployment
{
    /// <summary>How long a probe from this machine may take.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(CliContext context, bool json, CancellationToken ct)
    {
        var (client, problem) = context.Connect();
        if (client is null)
        {
            await context.Error.WriteLineAsync($"error: {problem}").ConfigureAwait(false);
            return ExitCodes.NotLoggedIn;
        }

        DeploymentFacts facts;
        await using (client.ConfigureAwait(false))
        {
            facts = await GatherAsync(context, client.Api, ct).ConfigureAwait(false);
        }

        var checks = DeploymentChecks.Run(facts);
        var report = new DeploymentReport
        {
            Url = facts.Url,
            CheckedAt = facts.CheckedAt,
            ServerPart = facts.Health is null ? $"missing: {facts.HealthMissing}" : "included",
            ServerVersion = facts.Health?.Version,
            Checks = checks,
        };
        await context.Out.WriteAsync(json ? JsonSerializer.Serialize(report, DeploymentJsonContext.Default.DeploymentReport) + "\n" : Render(report)).ConfigureAwait(false);
        return checks.Any(static c => c.Verdict == Verdict.Investigate) ? ExitCodes.NeedsInvestigation : ExitCodes.Success;
    }

    /// <summary>The facts the checks read: the probes from here and, when the caller may read them, the server's checks.</summary>
    internal static async Task<DeploymentFacts> GatherAsync(CliContext context, OutpostApiClient api, CancellationToken ct)
    {
        var url = api.BaseAddress.ToString().TrimEnd('/');
        using var http = new HttpClient(context.CreateTransport()) { Timeout = ProbeTimeout };
        var checkedAt = context.Time.GetUtcNow();
        var healthz = await ProbeAsync(http, url, ct).ConfigureAwait(false);
        DeploymentHealth? health = null;
        string? missing = null;
        TimeSpan? skew = null;
        var skewSource = string.Empty;
        if (healthz.Error is not null)
        {
            missing = $"cannot reach the server ({healthz.Error})";
        }
        else
        {
            try
            {
                var before = context.Time.GetUtcNow();
                health = await api.GetDeploymentHealthAsync(ct).ConfigureAwait(false);
                var after = context.Time.GetUtcNow();
                skew = health.Time - (before + ((after - before) / 2));
                skewSource = "from the server's time, to the millisecond";
            }
            catch (OutpostApiException e) when (e.StatusCode == 403)
            {
                missing = $"only owners and admins may read the server's checks (the server said: {e.Message})";
            }
            catch (OutpostApiException e)
            {
                missing = $"the server refused: {e.Message}";
            }
            catch (HttpRequestException e) when (e.InnerException is SocketException || e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError)
            {
                missing = $"cannot reach the server ({e.Message})";
            }

            if (health is null && healthz.Date is { } date)
            {
                skew = date - (checkedAt + TimeSpan.FromMilliseconds(healthz.ElapsedMs / 2)) + TimeSpan.FromMilliseconds(500);
                skewSource = "from the server's Date header, to the second";
            }
        }

        Probe? accessUrl = null;
        if (health is not null && !string.Equals(health.AccessUrl.TrimEnd('/'), url, StringComparison.OrdinalIgnoreCase))
        {
            accessUrl = await ProbeAsync(http, health.AccessUrl.TrimEnd('/'), ct).ConfigureAwait(false);
        }

        return new DeploymentFacts
        {
            Url = url,
            CheckedAt = checkedAt,
            Healthz = healthz,
            Health = health,
            HealthMissing = missing,
            Skew = skew,
            SkewSource = skewSource,
            AccessUrl = accessUrl,
        };
    }

    /// <summary><c>GET {url}/healthz</c>, anonymous: the status, the problem's detail when unhealthy, the Date header.</summary>
    internal static async Task<Probe> ProbeAsync(HttpClient http, string url, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            using var response = await http.GetAsync(new Uri(url + "/healthz"), ct).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            string? detail = null;
            if (!response.IsSuccessStatusCode)
            {
                try
                {
                    using var problem = JsonDocument.Parse(body);
                    detail = problem.RootElement.TryGetProperty("detail", out var d) ? d.GetString() : null;
                }
                catch (JsonException)
                {
                    detail = body.Length > 200 ? body[..200] : body;
                }
            }

            return new Probe(url, (int)response.StatusCode, null, watch.Elapsed.TotalMilliseconds, detail, response.Headers.Date);
        }
        catch (HttpRequestException e)
        {
            return new Probe(url, null, e.Message, watch.Elapsed.TotalMilliseconds);
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return new Probe(url, null, $"no answer within {ProbeTimeout.TotalSeconds:0} s", watch.Elapsed.TotalMilliseconds);
        }
    }

    internal static string Render(DeploymentReport report)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Deployment {report.Url}{(report.ServerVersion is { } v ? $" (outpost {v})" : string.Empty)}, checked at {report.CheckedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z.\n");
        if (report.ServerPart != "included")
        {
            text.Append(CultureInfo.InvariantCulture, $"The server's checks: {report.ServerPart}.\n");
        }

        text.Append('\n');
        foreach (var check in report.Checks)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {(check.Verdict == Verdict.Investigate ? "investigate" : "expected   ")}  {check.Side,-11}  {check.Check,-19}  {check.What}\n");
            if (check.Verdict == Verdict.Investigate)
            {
                text.Append(CultureInfo.InvariantCulture, $"  {string.Empty,-11}  {string.Empty,-11}  {string.Empty,-19}  → {check.Advice}\n");
            }
        }

        var investigate = report.Checks.Count(static c => c.Verdict == Verdict.Investigate);
        text.Append('\n').Append(investigate switch
        {
            0 when report.ServerPart != "included" => "Nothing this machine could check needs investigating, but the server's checks are missing.",
            0 => "Nothing needs investigating.",
            1 => "1 check needs investigating.",
            _ => $"{investigate} checks need investigating.",
        }).Append('\n');
        return text.ToString();
    }
}

/// <summary>What <c>outpost diagnose --deployment --output json</c> prints.</summary>
internal sealed record DeploymentReport
{
    public required string Url { get; init; }

    public required DateTimeOffset CheckedAt { get; init; }

    /// <summary><c>included</c>, or <c>missing: why</c>.</summary>
    public required string ServerPart { get; init; }

    public string? ServerVersion { get; init; }

    public required IReadOnlyList<DeploymentCheck> Checks { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(DeploymentReport))]
internal sealed partial class DeploymentJsonContext : JsonSerializerContext;
