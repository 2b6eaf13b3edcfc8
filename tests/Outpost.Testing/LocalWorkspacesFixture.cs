using Outpost.Server.Hosting;

namespace Outpost.Testing;

/// <summary>
/// The real server with built-in provisioner daemons running the local provisioner, whose agents
/// are real <c>outpost agent</c> processes (the CLI assembly next to the tests), and an owner account.
/// </summary>
public class LocalWorkspacesFixture : ClockedServerFixture
{
    /// <summary>The repository's <c>examples/templates/local-starter</c>.</summary>
    public static string LocalStarterDirectory { get; } = FindUp(Path.Combine("examples", "templates", "local-starter"));

    // Builds run on real time: daemon heartbeats and agent timeouts are not what these tests probe.
    internal override ServerOptions Customize(ServerOptions options) => base.Customize(options) with
    {
        Time = TimeProvider.System,
        ProvisionerDaemons = 2,
        ConfigureDaemon = daemon => daemon with
        {
            AgentCommand = ["dotnet", Path.Combine(AppContext.BaseDirectory, "outpost.dll"), "agent"],
            HeartbeatInterval = TimeSpan.FromSeconds(1),
            WaitSeconds = 2,
        },
    };

    private static string FindUp(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"{relative} was not found above {AppContext.BaseDirectory}");
    }
}

/// <summary>Local workspaces with the prebuild reconciler passing every second on the real clock.</summary>
public sealed class PrebuildsLocalFixture : LocalWorkspacesFixture
{
    internal override ServerOptions Customize(ServerOptions options)
    {
        var customized = base.Customize(options);
        return customized with { Provisioning = customized.Provisioning with { PrebuildReconcileInterval = TimeSpan.FromSeconds(1) } };
    }
}
