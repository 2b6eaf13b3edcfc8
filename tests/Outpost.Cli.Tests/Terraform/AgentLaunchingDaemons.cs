using Microsoft.Extensions.Logging.Abstractions;
using Outpost.Provisioner.Daemon;
using Outpost.Provisioner.Local;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Terraform;

/// <summary>For terraform templates whose local-exec starts real <c>outpost agent</c> processes and records their pids in <c>*.pid</c> files.</summary>
internal static class AgentLaunchingDaemons
{
    /// <summary>One built-in-style daemon whose templates start agents with this build's <c>outpost.dll</c>.</summary>
    public static ProvisionerDaemonHost Start(ServerFixture server, string workspaces) => ProvisionerDaemonHost.Start(
        1, server.BaseAddress, server.DaemonKey, workspaces, NullLoggerFactory.Instance, TimeProvider.System,
        options => options with
        {
            AgentCommand = ["dotnet", Path.Combine(AppContext.BaseDirectory, "outpost.dll"), "agent"],
            WaitSeconds = 1,
            HeartbeatInterval = TimeSpan.FromSeconds(1),
        });

    /// <summary>Kills every agent a failed test left behind (the pid files below <paramref name="root"/>).</summary>
    public static void KillLeftovers(string root, string pidFilePattern)
    {
        foreach (var pidFile in Directory.EnumerateFiles(root, pidFilePattern, SearchOption.AllDirectories))
        {
            if (int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid) && ProcessIdentity.StartTime(pid) is not null)
            {
                NativeProcess.Signal(pid, NativeProcess.SigKill);
            }
        }
    }
}
