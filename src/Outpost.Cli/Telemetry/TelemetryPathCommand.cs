using System.CommandLine;
using Outpost.Telemetry.Local;

namespace Outpost.Cli.Telemetry;

/// <summary><c>outpost telemetry path</c>: prints the telemetry directory, for scripts.</summary>
internal static class TelemetryPathCommand
{
    public static Command Create()
    {
        var command = new Command("path", "Print the directory that holds the local telemetry files.");
        command.SetAction(async (_, cancellationToken) =>
        {
            var directory = TelemetryPaths.ResolveDirectory(Environment.GetEnvironmentVariable);
            await Console.Out.WriteLineAsync(directory.AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }
}
