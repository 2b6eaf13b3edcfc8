using Outpost.Sdk.Agents;
using Outpost.Server.Hosting;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Connect;

/// <summary>
/// Local workspaces whose agents reach their SSH server on <see cref="SshPort"/> (<c>OUTPOST_AGENT_SSH_PORT</c>,
/// set in front of the agent's command), where a test starts a private <c>sshd</c> inside the workspace. The workspaces
/// run unsandboxed, as the test's user: under root the sandbox runs them as <c>nobody</c>, whose login shell
/// (<c>nologin</c>) would refuse every command sshd starts.
/// </summary>
public sealed class OpenSshFixture : LocalWorkspacesFixture
{
    public int SshPort { get; } = ConnectTesting.FreePort();

    internal override ServerOptions Customize(ServerOptions options)
    {
        var local = base.Customize(options);
        var configure = local.ConfigureDaemon!;
        return local with
        {
            ConfigureDaemon = daemon =>
            {
                var configured = configure(daemon);
                return configured with { Sandbox = null, AgentCommand = ["env", $"{AgentEnvironment.AgentSshPort}={SshPort}", .. configured.AgentCommand!] };
            },
        };
    }
}
