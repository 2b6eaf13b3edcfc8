using System.CommandLine;
using Outpost.Cli.Server;
using Outpost.Cli.Telemetry;

var root = new RootCommand("Outpost: self-hosted remote development workspaces that explain their failures.");
root.Subcommands.Add(ServerCommand.Create());
root.Subcommands.Add(TelemetryCommand.Create());

return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
