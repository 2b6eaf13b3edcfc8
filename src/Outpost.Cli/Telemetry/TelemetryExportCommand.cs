using System.CommandLine;
using Outpost.Telemetry.Export;
using Outpost.Telemetry.Local;

namespace Outpost.Cli.Telemetry;

/// <summary>
/// <c>outpost telemetry export</c>: the local files as one JSON array or as OTLP/JSON lines. Data
/// goes to <c>--output</c> or stdout; progress and the summary go to stderr.
/// </summary>
internal static class TelemetryExportCommand
{
    public static Command Create()
    {
        var format = new Option<string>("--format", "-f")
        {
            Description = "json: a JSON array of events. otlp: OTLP/JSON, one export request per line (traces, logs, metrics).",
            DefaultValueFactory = _ => "json",
        };
        format.AcceptOnlyFromAmong("json", "otlp");
        var since = new Option<string?>("--since")
        {
            Description = "Only events on or after this UTC day (YYYY-MM-DD).",
        };
        var until = new Option<string?>("--until")
        {
            Description = "Only events on or before this UTC day (YYYY-MM-DD; the whole day is included).",
        };
        var output = new Option<string?>("--output", "-o")
        {
            Description = "Write to this file (replaced atomically) instead of stdout.",
        };

        var command = new Command("export", "Export the telemetry recorded on this machine.")
        {
            format, since, until, output,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var range = ExportRangeParser.TryParse(result.GetValue(since), result.GetValue(until), TimeProvider.System.GetUtcNow(), out var error);
            if (range is null)
            {
                await Console.Error.WriteLineAsync($"error: {error}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            ITelemetryExportWriter writer = result.GetValue(format) == "otlp" ? new OtlpJsonExportWriter() : new JsonExportWriter();
            var path = result.GetValue(output);
            await using var stdout = path is null ? Console.OpenStandardOutput() : null;
            TelemetryExportResult outcome;
            try
            {
                outcome = await TelemetryExportPipeline.RunAsync(
                    new TelemetryExportRequest
                    {
                        Directory = TelemetryPaths.ResolveDirectory(Environment.GetEnvironmentVariable),
                        Range = range,
                        Writer = writer,
                        OutputPath = path,
                        Output = stdout,
                    },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync("Telemetry export cancelled.").ConfigureAwait(false);
                return ExitCodes.TelemetryExportFailed;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                await Console.Error.WriteLineAsync($"Telemetry export failed: {exception.Message}").ConfigureAwait(false);
                return ExitCodes.TelemetryExportFailed;
            }

            foreach (var reason in outcome.Skipped)
            {
                await Console.Error.WriteLineAsync($"warning: {reason}").ConfigureAwait(false);
            }

            await Console.Error.WriteLineAsync(outcome.Describe(range, path ?? "stdout")).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }
}
