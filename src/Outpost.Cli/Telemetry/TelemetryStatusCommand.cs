using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Outpost.Telemetry.Local;

namespace Outpost.Cli.Telemetry;

/// <summary><c>outpost telemetry status</c>: whether recording is on, where, and how much is kept.</summary>
internal static class TelemetryStatusCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--output", "-o")
        {
            Description = "Output format: text or json.",
            DefaultValueFactory = _ => "text",
        };
        output.AcceptOnlyFromAmong("text", "json");

        var command = new Command("status", "Show whether telemetry is recorded, where the files are and the storage settings.")
        {
            output,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var status = TelemetryStatus.Collect(Environment.GetEnvironmentVariable);
            var text = result.GetValue(output) == "json"
                ? JsonSerializer.Serialize(status, TelemetryStatusJsonContext.Default.TelemetryStatus)
                : Describe(status);
            await Console.Out.WriteLineAsync(text.AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    private static string Describe(TelemetryStatus status)
    {
        var culture = CultureInfo.InvariantCulture;
        var s = status.Settings;
        var text = new StringBuilder();
        text.AppendLine(culture, $"level:            {status.Level}{(status.Level == "off" ? " (OUTPOST_TELEMETRY=off)" : "")}");
        text.AppendLine(culture, $"directory:        {status.Directory}{(status.DirectoryExists ? "" : " (not created yet)")}");
        text.AppendLine(culture, $"files:            {status.FileCount} from {status.SessionCount} session(s), {status.TotalBytes} bytes");
        if (status.OldestFileDate is not null)
        {
            text.AppendLine(culture, $"dates:            {status.OldestFileDate} to {status.NewestFileDate}");
        }

        text.AppendLine(culture, $"flush:            every {s.FlushIntervalMs} ms or {s.FlushBatchSize} events; buffer {s.BufferLimit} events");
        text.Append(culture, $"retention:        {s.MaxAgeDays} days, {s.MaxTotalBytes} bytes in total, {s.MaxFileBytes} bytes per file");
        return text.ToString();
    }
}
