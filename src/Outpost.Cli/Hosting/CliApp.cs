using System.CommandLine;
using Outpost.Cli.Agent;
using Outpost.Cli.Auth;
using Outpost.Cli.Server;
using Outpost.Cli.Telemetry;
using Outpost.Cli.Tokens;

namespace Outpost.Cli.Hosting;

/// <summary>The <c>outpost</c> command tree, bound to one invocation's context.</summary>
internal static class CliApp
{
    public static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("Outpost: self-hosted remote development workspaces that explain their failures.");
        root.Subcommands.Add(ServerCommand.Create());
        root.Subcommands.Add(LoginCommand.Create(context));
        root.Subcommands.Add(LogoutCommand.Create(context));
        root.Subcommands.Add(WhoamiCommand.Create(context));
        root.Subcommands.Add(TokensCommand.Create(context));
        root.Subcommands.Add(TelemetryCommand.Create());
        root.Subcommands.Add(AgentCommand.Create(context));
        return root;
    }

    public static async Task<int> RunAsync(CliContext context, string[] args)
    {
        ArgumentNullException.ThrowIfNull(context);
        var root = Build(context);
        var parsed = root.Parse(args);
        var configuration = new InvocationConfiguration { Output = context.Out, Error = context.Error };
        if (AgentCommand.HandlesOwnSignals(parsed))
        {
            configuration.ProcessTerminationTimeout = null;
        }

        return await parsed.InvokeAsync(configuration).ConfigureAwait(false);
    }
}
