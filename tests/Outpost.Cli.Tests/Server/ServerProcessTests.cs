using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Outpost.Sdk;
using Outpost.Sdk.Deployment;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Server;

/// <summary>The real <c>outpost server</c> process on embedded PostgreSQL; these run one at a time.</summary>
[Collection(nameof(ServerProcessTests))]
public sealed class ServerProcessTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), $"outpost-cli-{Guid.NewGuid():N}"[..24]);

    [Fact]
    public async Task Sigkill_then_restart_reuses_the_data_directory_and_its_data()
    {
        var port = FreePort();
        string firstDeployment;
        await using (var first = StartServer(port))
        {
            await first.WaitForLineAsync(l => l.Contains("listening on", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
            firstDeployment = (await BuildInfoAsync(port)).DeploymentId;
            first.Signal(PosixSignalKind.Kill);
            Assert.Equal(137, await first.WaitForExitAsync());
        }

        await using var second = StartServer(port);
        await second.WaitForLineAsync(l => l.Contains("listening on", StringComparison.Ordinal), TimeSpan.FromMinutes(2));

        Assert.Equal(firstDeployment, (await BuildInfoAsync(port)).DeploymentId);
        Assert.Contains("left running by an earlier server", second.StandardError, StringComparison.Ordinal);
        second.Signal(PosixSignalKind.Terminate);
        Assert.Equal(0, await second.WaitForExitAsync());
    }

    [Fact]
    public async Task Sigterm_shuts_down_gracefully_and_stops_postgres()
    {
        var port = FreePort();
        await using var server = StartServer(port);
        await server.WaitForLineAsync(l => l.Contains("listening on", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
        var pid = int.Parse(File.ReadLines(Path.Combine(_dataDir, "postgres", "postmaster.pid")).First(), System.Globalization.CultureInfo.InvariantCulture);

        server.Signal(PosixSignalKind.Terminate);

        Assert.Equal(0, await server.WaitForExitAsync());
        Assert.Contains("Embedded PostgreSQL in", server.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dataDir, "postgres", "postmaster.pid")));
        Assert.False(Directory.Exists($"/proc/{pid}") && File.ReadAllText($"/proc/{pid}/cmdline").Contains("postgres", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_human_log_format_writes_readable_lines_and_a_banner_with_the_url_and_postgres_log_is_private()
    {
        var port = FreePort();
        await using var server = OutpostProcess.Start(["server", "--http-address", $"127.0.0.1:{port}", "--data-dir", _dataDir, "--log-format", "human"]);
        await server.WaitForLineAsync(l => l.Contains("Sign in:", StringComparison.Ordinal), TimeSpan.FromMinutes(2));

        Assert.Contains($"is running at http://127.0.0.1:{port}/", server.StandardError, StringComparison.Ordinal);
        Assert.Contains($"outpost login http://127.0.0.1:{port}/", server.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("{\"Timestamp\"", server.StandardError, StringComparison.Ordinal);
        Assert.Contains("info: Outpost.Server", server.StandardError, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dataDir, "postgres.log")));
        server.Signal(PosixSignalKind.Terminate);
        Assert.Equal(0, await server.WaitForExitAsync());
    }

    [Fact]
    public async Task Bad_flags_exit_with_the_usage_code_and_name_every_problem()
    {
        var (exitCode, stdout, stderr) = await OutpostProcess.RunAsync(
            ["server", "--http-address", "nowhere", "--access-url", "ftp://x", "--data-dir", _dataDir]);

        Assert.Equal(2, exitCode);
        Assert.Empty(stdout);
        Assert.Contains("--http-address \"nowhere\" is not a valid address", stderr, StringComparison.Ordinal);
        Assert.Contains("--access-url \"ftp://x\" must be an absolute", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_dataDir));
    }

    [Fact]
    public async Task Environment_variables_stand_in_for_flags()
    {
        var (exitCode, _, stderr) = await OutpostProcess.RunAsync(
            ["server"],
            new Dictionary<string, string?> { ["OUTPOST_HTTP_ADDRESS"] = "bad", ["OUTPOST_DATA_DIR"] = _dataDir });

        Assert.Equal(2, exitCode);
        Assert.Contains("--http-address \"bad\"", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_in_use_exits_with_the_start_failure_code_and_no_stack_trace()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (exitCode, _, stderr) = await OutpostProcess.RunAsync(
            ["server", "--http-address", $"127.0.0.1:{port}", "--data-dir", _dataDir], timeout: TimeSpan.FromMinutes(2));

        Assert.Equal(3, exitCode);
        Assert.Contains($"error: cannot listen on 127.0.0.1:{port}: the address is already in use", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    private OutpostProcess StartServer(int port) =>
        OutpostProcess.Start(["server", "--http-address", $"127.0.0.1:{port}", "--data-dir", _dataDir]);

    private static async Task<BuildInfoResponse> BuildInfoAsync(int port)
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TestTimeouts.Short };
        var info = await client.GetFromJsonAsync<BuildInfoResponse>(new Uri("/api/v2/buildinfo", UriKind.Relative), OutpostJson.Options).WithTimeout();
        return info!;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
