using System.CommandLine;
using Outpost.Cli.Server;

var root = new RootCommand("Outpost: self-hosted remote development workspaces that explain their failures.");
root.Subcommands.Add(ServerCommand.Create());

return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
