using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Outpost.Sdk;
using Outpost.Sdk.Connections;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Connect;

/// <summary>What the end-to-end session tests share.</summary>
internal static class ConnectTesting
{
    /// <summary>
    /// <c>outpost connections … --output json</c>, re-read until no row is open but those <paramref name="open"/> allows:
    /// the relay closes a row just after the client saw the session end, and nothing tells the test when it landed.
    /// </summary>
    public static async Task<List<ConnectionLogEntry>> ConnectionsAsync(TestCli cli, string[] filters, Func<ConnectionLogEntry, bool>? open = null)
    {
        var deadline = DateTimeOffset.UtcNow + TestTimeouts.Default;
        while (true)
        {
            var run = await cli.RunAsync(["connections", .. filters, "--output", "json"]);
            Assert.True(run.ExitCode == 0, run.Stderr);
            var rows = JsonSerializer.Deserialize(run.Stdout, OutpostJsonContext.Default.ListConnectionLogEntry)!;
            if (rows.All(r => r.EndedAt is not null || (open?.Invoke(r) ?? false)) || DateTimeOffset.UtcNow > deadline)
            {
                return rows;
            }

            await Task.Delay(50);
        }
    }

    /// <summary>
    /// A signed-in CLI with a workspace named <paramref name="name"/> of the local starter template, its agent ready; its
    /// sessions take the relay unless <paramref name="direct"/> (local agents accept direct connections).
    /// </summary>
    public static async Task<TestCli> CreateWorkspaceAsync(ServerFixture server, string name, bool direct = false)
    {
        var cli = new TestCli();
        if (!direct)
        {
            cli.Environment[Outpost.Cli.Connect.AgentConnector.DisableDirectVariable] = "1";
        }

        Assert.Equal(0, (await cli.RunAsync("login", server.BaseAddress.ToString(), "--email", ClockedServerFixture.OwnerEmail, "--password", ClockedServerFixture.OwnerPassword)).ExitCode);
        var push = await cli.RunAsync("templates", "push", "local-starter", "--directory", LocalWorkspacesFixture.LocalStarterDirectory, "--yes");
        Assert.True(push.ExitCode == 0, push.Stderr);
        var create = await cli.RunAsync("create", name, "--template", "local-starter", "--yes", "--wait");
        Assert.True(create.ExitCode == 0, create.Stderr);
        return cli;
    }

    /// <summary>A loopback port nobody listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
