using System.CommandLine;
using Outpost.Cli.Auth;
using Outpost.Cli.Provisioners;
using Outpost.Cli.Server;
using Outpost.Cli.Telemetry;
using Outpost.Cli.Templates;
using Outpost.Cli.Tokens;
using Outpost.Cli.Workspaces;
using Outpost.Sdk.Provisioning;

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
        root.Subcommands.Add(TemplatesCommand.Create(context));
        root.Subcommands.Add(CreateCommand.Create(context));
        root.Subcommands.Add(ListCommand.Create(context));
        root.Subcommands.Add(ShowCommand.Create(context));
        root.Subcommands.Add(TransitionCommand.Create(context, WorkspaceTransition.Start));
        root.Subcommands.Add(TransitionCommand.Create(context, WorkspaceTransition.Stop));
        root.Subcommands.Add(TransitionCommand.Create(context, WorkspaceTransition.Delete));
        root.Subcommands.Add(ProvisionerCommand.Create(context));
        return root;
    }

    public static async Task<int> RunAsync(CliContext context, string[] args)
    {
        ArgumentNullException.ThrowIfNull(context);
        var root = Build(context);
        return await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = context.Out, Error = context.Error }).ConfigureAwait(false);
    }
}
