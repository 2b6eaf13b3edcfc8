using System.CommandLine;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Outpost.Cli.Hosting;
using Outpost.Sdk.Client;
using Outpost.Sdk.Diagnostics;
using Outpost.Telemetry.Export;
using Outpost.Telemetry.Local;

namespace Outpost.Cli.Diagnose;

/// <summary>
/// <c>outpost diagnose WORKSPACE [--since WHEN] [-o|--output json]</c>, or <c>--bundle [-o FILE.zip]</c> (issue 24): the server's timeline of the workspace
/// joined with this machine's telemetry about it into one story, and a verdict for each incident
/// (<see cref="DiagnosisRules"/>). Exit 0 when nothing needs investigating, <see cref="ExitCodes.NeedsInvestigation"/>
/// when something does, <see cref="ExitCodes.Unreachable"/> when the server's part is missing and the local part alone
/// found nothing.
/// </summary>
internal static class DiagnoseCommand
{
    /// <summary>The most timeline entries read (pages of 1,000); the story says when it stopped there.</summary>
    public const int MaxServerEntries = 10_000;

    public static Command Create(CliContext context)
    {
        var workspace = new Argument<string?>("workspace") { Description = "The workspace: NAME (yours) or OWNER/NAME.", Arity = ArgumentArity.ZeroOrOne };
        var since = new Option<string>("--since") { Description = "From when: a duration back from now (30m, 24h, 7d) or an RFC 3339 time.", DefaultValueFactory = _ => "7d" };
        var output = new Option<string?>("--output", "-o")
        {
            Description = "Output format: table (for people) or json (for scripts); with --bundle, the zip to write (a path ending .zip).",
        };
        var deployment = new Option<bool>("--deployment") { Description = "Check the deployment instead of a workspace: the server, its database, pubsub and provisioner daemons, jobs nobody can take, clock skew and the access URL." };
        var bundle = new Option<bool>("--bundle") { Description = "Write a support bundle of the workspace (a zip: timeline, details, agent logs, local telemetry, server health) to review and share." };
        var file = new Option<string?>("--bundle-file") { Description = "Where --bundle writes the zip (the same as -o FILE.zip). Default: outpost-diagnose-OWNER-NAME-TIME.zip here." };
        var command = new Command("diagnose", "Explain what happened to a workspace: the server's timeline and this machine's telemetry in one story, with a verdict per incident.")
        {
            workspace, since, output, deployment, bundle, file,
        };
        command.SetAction((result, cancellationToken) => CommandRunner.RunAsync(context, async ct =>
        {
            var target = result.GetValue(workspace);
            if (OutputProblem(result.GetValue(output), result.GetValue(bundle), result.GetValue(file)) is { } problem)
            {
                await context.Error.WriteLineAsync($"error: {problem}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var json = result.GetValue(output) == OutputFormat.Json;
            if (result.GetValue(deployment))
            {
                if (target is not null || result.GetValue(bundle))
                {
                    await context.Error.WriteLineAsync("error: --deployment checks the deployment: give it no workspace and no --bundle").ConfigureAwait(false);
                    return ExitCodes.Usage;
                }

                return await DiagnoseDeployment.RunAsync(context, json, ct).ConfigureAwait(false);
            }

            if (target is null)
            {
                await context.Error.WriteLineAsync("error: name a workspace (outpost diagnose NAME), or pass --deployment").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var now = context.Time.GetUtcNow();
            if (ParseSince(result.GetValue(since)!, now) is not { } from)
            {
                await context.Error.WriteLineAsync($"error: --since \"{result.GetValue(since)}\" is neither a duration (30m, 24h, 7d) nor an RFC 3339 time").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (result.GetValue(bundle))
            {
                return await DiagnoseBundle.RunAsync(context, target, from, result.GetValue(output) ?? result.GetValue(file), ct).ConfigureAwait(false);
            }

            var (report, _) = await DiagnoseAsync(context, target, from, ct).ConfigureAwait(false);
            if (json)
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(report, DiagnoseJsonContext.Default.DiagnosisReport)).ConfigureAwait(false);
            }
            else
            {
                await context.Out.WriteAsync(Render(report)).ConfigureAwait(false);
            }

            return ExitCodeOf(report);
        }, cancellationToken));
        return command;
    }

    /// <summary>
    /// What is wrong with <c>-o/--output</c> and <c>--bundle-file</c> together, or null: without <c>--bundle</c> the output is
    /// a format (table, json); with it, the zip's path (ending .zip), given once.
    /// </summary>
    internal static string? OutputProblem(string? output, bool bundle, string? bundleFile)
    {
        var isFormat = output is OutputFormat.Table or OutputFormat.Json;
        var isZip = output is not null && output.EndsWith(".zip", StringComparison.OrdinalIgnoreCase);
        return (bundle, output) switch
        {
            (false, _) when bundleFile is not null => "--bundle-file names the zip of --bundle; pass --bundle too",
            (false, null) => null,
            (false, _) when isFormat => null,
            (false, _) when isZip => $"-o/--output \"{output}\" is a zip: a support bundle needs --bundle too",
            (false, _) => $"-o/--output \"{output}\" is neither table nor json (nor, with --bundle, a path ending .zip)",
            (true, null) => null,
            (true, _) when isFormat => "with --bundle, -o/--output names the zip to write (a path ending .zip), not a format: the bundle holds the story as text and json",
            (true, _) when !isZip => $"with --bundle, -o/--output \"{output}\" must be a path ending .zip",
            (true, _) when bundleFile is not null => "name the zip once: -o/--output or --bundle-file, not both",
            _ => null,
        };
    }

    /// <summary>0 when nothing needs investigating, 35 when something does, 6 when the server's part is missing and nothing was found.</summary>
    internal static int ExitCodeOf(DiagnosisReport report) =>
        report.Incidents.Any(static i => i.Verdict == Verdict.Investigate) ? ExitCodes.NeedsInvestigation
            : report.WorkspaceId is null ? ExitCodes.Unreachable
            : ExitCodes.Success;

    /// <summary>
    /// The workspace's story since <paramref name="from"/>: its server timeline (when the server answers) joined with this
    /// machine's telemetry about it, and the incidents the rules find. A workspace the caller cannot see throws the
    /// server's 404 (<see cref="OutpostApiException"/>).
    /// </summary>
    internal static async Task<(DiagnosisReport Report, List<TimelineEntry> Timeline)> DiagnoseAsync(CliContext context, string target, DateTimeOffset from, CancellationToken ct)
    {
        var now = context.Time.GetUtcNow();
        var (owner, name) = target.Split('/', 2) is [var o, var n] ? (o, n) : ("me", target);
        var report = new DiagnosisReport { Workspace = target, Since = from };
        var records = new List<DiagnosisRecord>();
        var timeline = new List<TimelineEntry>();

        var (client, problem) = context.Connect();
        if (client is null)
        {
            report = report with { ServerPart = $"missing: {problem}" };
        }
        else
        {
            await using (client.ConfigureAwait(false))
            {
                try
                {
                    var found = await client.Api.GetWorkspaceByNameAsync(owner, name, ct).ConfigureAwait(false);
                    report = report with { Workspace = $"{found.OwnerName}/{found.Name}", WorkspaceId = found.Id };
                    var (entries, truncated) = await ReadTimelineAsync(client.Api, found.Id, from, ct).ConfigureAwait(false);
                    timeline = entries;
                    records.AddRange(entries.Select(DiagnosisRecord.FromServer));
                    report = report with { ServerPart = truncated ? $"included (the first {MaxServerEntries} entries; narrow --since for the rest)" : "included" };
                }
                catch (HttpRequestException e) when (e.InnerException is SocketException || e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError)
                {
                    report = report with { ServerPart = $"missing: cannot reach the server ({e.Message})" };
                }
            }
        }

        var skipped = new List<string>();
        var directory = TelemetryPaths.ResolveDirectory(context.Environment);
        var range = new ExportRange("diagnose", "diagnose", from, null);
        var suffix = "/" + name;
        foreach (var telemetry in TelemetryExportPipeline.ReadEvents(directory, range, skipped.Add, ct))
        {
            if (telemetry.Properties.GetValueOrDefault("workspaceName") is { } seen
                && (seen == report.Workspace || (report.WorkspaceId is null && owner == "me" && seen.EndsWith(suffix, StringComparison.Ordinal))))
            {
                records.Add(DiagnosisRecord.FromClient(telemetry));
            }
        }

        var story = new DiagnosisStory(records, now, report.WorkspaceId is not null);
        var incidents = DiagnosisRules.Explain(story);
        return (report with { Records = story.Records, Incidents = incidents, SkippedFiles = skipped }, timeline);
    }

    /// <summary>A duration back from <paramref name="now"/> (<c>30m</c>, <c>24h</c>, <c>7d</c>) or an RFC 3339 time; null when neither.</summary>
    internal static DateTimeOffset? ParseSince(string text, DateTimeOffset now)
    {
        if (text.Length >= 2 && int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount) && amount > 0)
        {
            TimeSpan? back = text[^1] switch
            {
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                'd' when amount <= 3650 => TimeSpan.FromDays(amount),
                _ => null,
            };
            if (back is { } span)
            {
                return now - span;
            }
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) && text.Contains('T', StringComparison.Ordinal)
            ? time : null;
    }

    private static async Task<(List<TimelineEntry> Entries, bool Truncated)> ReadTimelineAsync(OutpostApiClient api, Guid workspaceId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var entries = new List<TimelineEntry>();
        string? after = null;
        do
        {
            var query = $"since={Uri.EscapeDataString(since.ToString("O", CultureInfo.InvariantCulture))}&limit={TimelineApi.MaxLimit}"
                + (after is null ? string.Empty : "&after=" + Uri.EscapeDataString(after));
            var page = await api.GetWorkspaceTimelineAsync(workspaceId, query, cancellationToken).ConfigureAwait(false);
            entries.AddRange(page.Entries);
            after = page.NextAfter;
        }
        while (after is not null && entries.Count < MaxServerEntries);
        return (entries, after is not null);
    }

    internal static string Render(DiagnosisReport report)
    {
        var text = new StringBuilder();
        var server = report.Records.Count(static r => r.Origin == "server");
        text.Append(CultureInfo.InvariantCulture, $"Workspace {report.Workspace}: {server} records from the server, {report.Records.Count - server} from this machine, since {report.Since.UtcDateTime:yyyy-MM-dd HH:mm}Z.\n");
        if (!report.ServerPart.StartsWith("included", StringComparison.Ordinal) || report.ServerPart.Length > "included".Length)
        {
            text.Append(CultureInfo.InvariantCulture, $"The server's part: {report.ServerPart}.\n");
        }

        foreach (var file in report.SkippedFiles)
        {
            text.Append(CultureInfo.InvariantCulture, $"Skipped a local telemetry file: {file}\n");
        }

        text.Append("\nTimeline\n");
        foreach (var record in report.Records)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {record.Time.UtcDateTime:HH:mm:ss.fff}  {record.Origin,-6}  {record.Kind,-28}  {Summary(record)}\n");
        }

        text.Append("\nIncidents\n");
        if (report.Incidents.Count == 0)
        {
            text.Append("  none\n");
        }

        foreach (var incident in report.Incidents)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {(incident.Verdict == Verdict.Investigate ? "investigate" : "expected   ")}  {incident.Side,-11}  {incident.What}\n");
            text.Append(CultureInfo.InvariantCulture, $"  {string.Empty,-11}  {string.Empty,-11}  → {incident.Advice}\n");
        }

        var investigate = report.Incidents.Count(static i => i.Verdict == Verdict.Investigate);
        text.Append('\n').Append(investigate switch
        {
            0 when report.WorkspaceId is null => "Nothing in this machine's telemetry needs investigating, but the server's part is missing.",
            0 => "Nothing needs investigating.",
            1 => "1 incident needs investigating.",
            _ => $"{investigate} incidents need investigating.",
        }).Append('\n');
        return text.ToString();
    }

    private static string Summary(DiagnosisRecord record)
    {
        var parts = new List<string>();
        if (record.BuildNumber is { } build)
        {
            parts.Add($"#{build}");
        }

        if (record.Agent is { } agent)
        {
            parts.Add(agent);
        }

        parts.AddRange(record.Fields.Where(static f => f.Key is not ("connection_id" or "invocationId" or "workspaceName" or "agentName"))
            .Select(static f => $"{f.Key}={(f.Value.Length > 60 ? f.Value[..60] + "…" : f.Value)}"));
        var line = string.Join(' ', parts);
        return line.Length > 200 ? line[..200] + "…" : line;
    }
}

/// <summary>What <c>outpost diagnose --output json</c> prints.</summary>
internal sealed record DiagnosisReport
{
    public required string Workspace { get; init; }

    public Guid? WorkspaceId { get; init; }

    public required DateTimeOffset Since { get; init; }

    /// <summary><c>included</c>, or <c>missing: why</c>.</summary>
    public string ServerPart { get; init; } = "included";

    public IReadOnlyList<DiagnosisRecord> Records { get; init; } = [];

    public IReadOnlyList<Incident> Incidents { get; init; } = [];

    public IReadOnlyList<string> SkippedFiles { get; init; } = [];
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(DiagnosisReport))]
internal sealed partial class DiagnoseJsonContext : JsonSerializerContext;
