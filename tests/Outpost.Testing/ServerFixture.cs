using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Outpost.Server.Provisionerd;
using Outpost.Server.Hosting;

namespace Outpost.Testing;

/// <summary>The real server on 127.0.0.1:0 against a fresh database, one per test class.</summary>
public class ServerFixture : IAsyncLifetime
{
    private RunningServer? _server;
    private string? _dataDirectory;

    internal RunningServer Server => _server ?? throw new InvalidOperationException("The fixture is not initialized.");

    public HttpClient Client { get; private set; } = new();

    public Uri BaseAddress => Server.BaseAddress;

    public string ConnectionString { get; private set; } = string.Empty;

    /// <summary>The server's data directory (its built-in daemons' workspaces are under <c>workspaces</c>).</summary>
    internal string DataDirectory => _dataDirectory ?? throw new InvalidOperationException("The fixture is not initialized.");

    /// <summary>The server process's internal provisioner key, for tests that play a daemon (<see cref="TestDaemon"/>).</summary>
    internal string DaemonKey => Server.Services.GetRequiredService<InternalProvisionerKey>().Value;

    public virtual async Task InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync(GetType().Name).WithTimeout();
        _dataDirectory = Directory.CreateTempSubdirectory("outpost-test-server-").FullName;
        var start = await OutpostServer.StartAsync(Customize(CreateOptions(ConnectionString, _dataDirectory)), TestTimeouts.Token()).WithTimeout();
        _server = start.Server ?? throw new InvalidOperationException($"The test server did not start: {start.Error}");
        Client = new HttpClient { BaseAddress = _server.BaseAddress, Timeout = TestTimeouts.Default };
    }

    internal static ServerOptions CreateOptions(string connectionString, string dataDirectory) => new()
    {
        HttpEndpoint = new IPEndPoint(IPAddress.Loopback, 0),
        PostgresConnectionString = connectionString,
        DataDirectory = dataDirectory,
        DatabaseConnectTimeout = TimeSpan.FromSeconds(10),
        // The production count (600,000) costs ~0.5 s per hash on a small machine; the hashing
        // itself is tested with it in PasswordHasherTests, everything else only needs a hash.
        Identity = new() { PasswordHashIterations = 1_000 },
        // Tests drive builds through TestDaemon unless a fixture opts into built-in daemons.
        ProvisionerDaemons = 0,
    };

    /// <summary>Adjusts the options of this fixture's server (a fake clock, tighter limits).</summary>
    internal virtual ServerOptions Customize(ServerOptions options) => options;

    public virtual async Task DisposeAsync()
    {
        Client.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_dataDirectory is not null)
        {
            WorkspaceProcesses.KillUnder(_dataDirectory);
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }
}
