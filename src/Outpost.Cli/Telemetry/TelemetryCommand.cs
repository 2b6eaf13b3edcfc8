using System.CommandLine;
using System.CommandLine.Parsing;

namespace Outpost.Cli.Telemetry;

/// <summary><c>outpost telemetry</c>: the local telemetry this machine has recorded.</summary>
internal static class TelemetryCommand
{
    public static Command Create()
    {
        var command = new Command(
            "telemetry",
            "Inspect and export the telemetry recorded on this machine. Nothing leaves the machine; OUTPOST_TELEMETRY=off stops recording.");
        command.Subcommands.Add(TelemetryExportCommand.Create());
        command.Subcommands.Add(TelemetryPathCommand.Create());
        command.Subcommands.Add(TelemetryStatusCommand.Create());
        return command;
    }

    /// <summary>
    /// Whether the command line runs one of these verbs: they only look at the directory, so when it
    /// does not exist yet their own <c>cli_invocation</c> entry must not create it (issue 14 point 7).
    /// </summary>
    public static bool IsInspection(ParseResult parsed)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        return parsed.CommandResult.Parent is CommandResult { Command.Name: "telemetry", Parent: CommandResult { Parent: null } };
    }
}
