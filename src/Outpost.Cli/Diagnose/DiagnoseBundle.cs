using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Outpost.Cli.Hosting;
using Outpost.Sdk;
using Outpost.Sdk.Client;
using Outpost.Sdk.Diagnostics;
using Outpost.Telemetry.Export;
using Outpost.Telemetry.Local;
using Outpost.Telemetry.Redaction;

namespace Outpost.Cli.Diagnose;

/// <summary>
/// <c>outpost diagnose WORKSPACE --bundle [-o FILE]</c> (issue 24): a zip for a support conversation — the workspace's
/// story (timeline, local records, incidents), its details, its agents' newest log lines, this machine's telemetry for
/// the range, the server's build info and health — with a manifest of what was collected and what was skipped and why.
/// Secret values, the task's prompt and its conversation are redacted by the server; every text is passed through the
/// telemetry redactor here as well (tokens, credentials). The file is written 0600.
/// </summary>
internal static class DiagnoseBundle
{
    /// <summary>Agent log lines per agent the bundle asks for (the newest).</summary>
    public const int AgentLogLines = 2000;

    public static async Task<int> RunAsync(CliContext context, string workspace, DateTimeOffset since, string? file, CancellationToken ct)
    {
        var (report, timeline) = await DiagnoseCommand.DiagnoseAsync(context, workspace, since, ct).ConfigureAwait(false);
        var now = context.Time.GetUtcNow();
        var entries = new List<BundleEntry>();
        var skipped = new List<BundleSkip>();
        void Add(string name, string what, string text) => entries.Add(new BundleEntry(name, what, Encoding.UTF8.GetBytes(text)));

        Add("diagnosis.txt", "the story as `outpost diagnose` prints it", DiagnoseCommand.Render(Redacted(report)));
        Add("diagnosis.json", "the story: the server's timeline and this machine's records, in time order, and the incidents",
            JsonSerializer.Serialize(Redacted(report), DiagnoseJsonContext.Default.DiagnosisReport));
        Add("timeline.json", "the server's timeline entries as the server returned them (fields redacted)",
            JsonSerializer.Serialize(new WorkspaceTimeline { WorkspaceId = report.WorkspaceId ?? Guid.Empty, Entries = [.. timeline.Select(RedactedEntry)] }, TimelineJsonContext.Default.WorkspaceTimeline));

        string? serverUrl = null;
        if (report.WorkspaceId is not { } workspaceId)
        {
            foreach (var part in new[] { "workspace.json", "agents/*.log", "server.json" })
            {
                skipped.Add(new BundleSkip(part, $"the server's part is {report.ServerPart}"));
            }
        }
        else
        {
            var (client, problem) = context.Connect();
            if (client is null)
            {
                skipped.Add(new BundleSkip("workspace.json, agents/*.log, server.json", problem ?? "not logged in"));
            }
            else
            {
                await using (client.ConfigureAwait(false))
                {
                    serverUrl = client.Api.BaseAddress.ToString();
                    await CollectServerAsync(context, client.Api, workspaceId, Add, skipped, ct).ConfigureAwait(false);
                }
            }
        }

        var telemetry = new MemoryStream();
        var exported = await TelemetryExportPipeline.RunAsync(new TelemetryExportRequest
        {
            Directory = TelemetryPaths.ResolveDirectory(context.Environment),
            Range = new ExportRange("diagnose bundle", "bundle", since, null),
            Writer = new JsonExportWriter(),
            Output = telemetry,
        }, ct).ConfigureAwait(false);
        entries.Add(new BundleEntry("telemetry.json", $"this machine's telemetry since {since.UtcDateTime:yyyy-MM-dd HH:mm}Z ({exported.EventCount} events, every workspace)", telemetry.ToArray()));
        skipped.AddRange(exported.Skipped.Select(static why => new BundleSkip("a local telemetry file", why)));

        var manifest = new BundleManifest
        {
            CreatedAt = now,
            OutpostVersion = BuildVersion.Version,
            ServerUrl = serverUrl,
            Workspace = report.Workspace,
            WorkspaceId = report.WorkspaceId,
            Since = since,
            ServerPart = report.ServerPart,
            Entries = [.. entries.Select(static e => new BundleManifestEntry { Name = e.Name, Bytes = e.Data.Length, What = e.What })],
            Skipped = skipped,
            Redaction = "secret values of the workspace's owner, the task's prompt and its conversation are replaced by [REDACTED] on the server; "
                + "tokens, credentials and secret-named fields are replaced by [REDACTED] on this machine (the telemetry redactor)",
        };
        var (owner, name) = report.Workspace.Split('/', 2) is [var o, var n] ? (o, n) : ("me", report.Workspace);
        var path = Path.GetFullPath(file ?? $"outpost-diagnose-{owner}-{name}-{now.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}.zip");
        var size = Write(path, manifest, entries);

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Support bundle of {report.Workspace} since {since.UtcDateTime:yyyy-MM-dd HH:mm}Z:\n");
        text.Append(CultureInfo.InvariantCulture, $"  {"manifest.json",-22} what is in the bundle and what was skipped\n");
        foreach (var entry in entries)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {entry.Name,-22} {Size(entry.Data.Length),9}  {entry.What}\n");
        }

        foreach (var skip in skipped)
        {
            text.Append(CultureInfo.InvariantCulture, $"  skipped {skip.What}: {skip.Why}\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"\nWrote {path} ({Size(size)}, readable only by you).\n");
        text.Append("Review it before you share it: it holds your workspace's names, times and agent log lines and this machine's telemetry. "
            + "Secret values, tokens, prompts and task conversations were redacted, but a script can print things nobody can recognise as private.\n");
        await context.Out.WriteAsync(text.ToString()).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    /// <summary>The workspace's details, its agents' logs (redacted by the server, then here), and the server's build info and health.</summary>
    private static async Task CollectServerAsync(CliContext context, OutpostApiClient api, Guid workspaceId, Action<string, string, string> add, List<BundleSkip> skipped, CancellationToken ct)
    {
        var details = await api.GetWorkspaceAsync(workspaceId, ct).ConfigureAwait(false);
        add("workspace.json", "the workspace, its latest build and its agents", JsonSerializer.Serialize(details, OutpostJsonContext.Default.Workspace));
        try
        {
            var logs = await api.GetSupportLogsAsync(workspaceId, AgentLogLines, ct).ConfigureAwait(false);
            foreach (var agent in logs.Agents)
            {
                var text = new StringBuilder();
                foreach (var line in agent.Lines)
                {
                    text.Append(CultureInfo.InvariantCulture, $"{line.CreatedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss.fff}Z {WireName.Of(line.Level),-5} {line.Source}: {TelemetryRedactor.RedactText(line.Output)}\n");
                }

                add($"agents/{agent.Name}.log", $"agent {agent.Name} of build #{logs.BuildNumber}: the newest {agent.Lines.Count} of {agent.TotalLines} lines, {(agent.Redactions == 1 ? "1 value" : $"{agent.Redactions} values")} redacted by the server", text.ToString());
            }

            if (logs.Agents.Count == 0)
            {
                skipped.Add(new BundleSkip("agents/*.log", "no build of the workspace has agents"));
            }
        }
        catch (OutpostApiException e)
        {
            skipped.Add(new BundleSkip("agents/*.log", $"the server refused: {e.Message}"));
        }

        var server = new StringBuilder("{\n");
        var build = await api.GetBuildInfoAsync(ct).ConfigureAwait(false);
        server.Append(CultureInfo.InvariantCulture, $"  \"buildinfo\": {JsonSerializer.Serialize(build, OutpostJsonContext.Default.BuildInfoResponse)},\n");
        using var http = new HttpClient(context.CreateTransport()) { Timeout = DiagnoseDeployment.ProbeTimeout };
        var healthz = await DiagnoseDeployment.ProbeAsync(http, api.BaseAddress.ToString().TrimEnd('/'), ct).ConfigureAwait(false);
        server.Append(CultureInfo.InvariantCulture, $"  \"healthz\": {{ \"status\": {healthz.Status?.ToString(CultureInfo.InvariantCulture) ?? "null"}, \"error\": {JsonSerializer.Serialize(healthz.Error ?? healthz.Detail)}, \"elapsed_ms\": {healthz.ElapsedMs.ToString("0.###", CultureInfo.InvariantCulture)} }}");
        try
        {
            var health = await api.GetDeploymentHealthAsync(ct).ConfigureAwait(false);
            server.Append(CultureInfo.InvariantCulture, $",\n  \"deployment_health\": {JsonSerializer.Serialize(health, DeploymentHealthJsonContext.Default.DeploymentHealth)}");
        }
        catch (OutpostApiException e) when (e.StatusCode == 403)
        {
            skipped.Add(new BundleSkip("the deployment's health", "only owners and admins may read it"));
        }

        add("server.json", "the server's build info, /healthz from here and (owners and admins) the deployment's health", server.Append("\n}\n").ToString());
    }

    private static DiagnosisReport Redacted(DiagnosisReport report) => report with
    {
        Records = [.. report.Records.Select(static r => r with { Fields = RedactedFields(r.Fields) })],
        Incidents = [.. report.Incidents.Select(static i => i with { What = TelemetryRedactor.RedactText(i.What) })],
    };

    private static TimelineEntry RedactedEntry(TimelineEntry entry) => entry with { Fields = RedactedFields(entry.Fields) };

    private static Dictionary<string, string> RedactedFields(IReadOnlyDictionary<string, string> fields) =>
        fields.ToDictionary(static f => f.Key, static f => TelemetryRedactor.RedactProperty(f.Key, f.Value), StringComparer.Ordinal);

    /// <summary>Writes the zip readable only by the user (0600; an existing file is replaced); returns its size.</summary>
    private static long Write(string path, BundleManifest manifest, List<BundleEntry> entries)
    {
        File.Delete(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(path, options))
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create))
        {
            void Put(string name, byte[] data, DateTimeOffset time)
            {
                var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
                entry.LastWriteTime = time;
                using var output = entry.Open();
                output.Write(data);
            }

            Put("manifest.json", JsonSerializer.SerializeToUtf8Bytes(manifest, BundleJsonContext.Default.BundleManifest), manifest.CreatedAt);
            foreach (var entry in entries)
            {
                Put(entry.Name, entry.Data, manifest.CreatedAt);
            }
        }

        return new FileInfo(path).Length;
    }

    private static string Size(long bytes) => bytes < 10_000
        ? $"{bytes} B"
        : bytes < 10_000_000 ? $"{(bytes / 1024.0).ToString("0", CultureInfo.InvariantCulture)} KiB" : $"{(bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture)} MiB";

    private sealed record BundleEntry(string Name, string What, byte[] Data);
}

/// <summary>Something the bundle does not hold, and why.</summary>
internal sealed record BundleSkip(string What, string Why);

/// <summary>An entry of the bundle as the manifest lists it.</summary>
internal sealed record BundleManifestEntry
{
    public required string Name { get; init; }

    public required long Bytes { get; init; }

    public required string What { get; init; }
}

/// <summary><c>manifest.json</c>: what was collected, when, how big, what was skipped and why.</summary>
internal sealed record BundleManifest
{
    public required DateTimeOffset CreatedAt { get; init; }

    public required string OutpostVersion { get; init; }

    public string? ServerUrl { get; init; }

    public required string Workspace { get; init; }

    public Guid? WorkspaceId { get; init; }

    public required DateTimeOffset Since { get; init; }

    public required string ServerPart { get; init; }

    public required IReadOnlyList<BundleManifestEntry> Entries { get; init; }

    public required IReadOnlyList<BundleSkip> Skipped { get; init; }

    public required string Redaction { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(BundleManifest))]
internal sealed partial class BundleJsonContext : JsonSerializerContext;
