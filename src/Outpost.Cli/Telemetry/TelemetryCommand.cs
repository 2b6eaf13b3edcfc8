using System.CommandLine;

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
}
