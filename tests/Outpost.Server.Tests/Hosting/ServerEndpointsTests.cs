using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using System.Net.Http.Json;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Deployment;
using Outpost.Server.Hosting;
using Outpost.Testing;

namespace Outpost.Server.Tests.Hosting;

public sealed class ServerEndpointsTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Healthz_answers_200_when_the_database_is_reachable()
    {
        using var response = await fixture.Client.GetAsync(new Uri("/healthz", UriKind.Relative)).WithTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Buildinfo_names_the_version_commit_and_deployment()
    {
        var info = await fixture.Client.GetFromJsonAsync<BuildInfoResponse>(new Uri("/api/v2/buildinfo", UriKind.Relative), OutpostJson.Options).WithTimeout();

        Assert.NotNull(info);
        Assert.Equal(BuildVersion.Version, info.Version);
        Assert.False(string.IsNullOrEmpty(info.Commit));
        await using var dataSource = NpgsqlDataSource.Create(fixture.ConnectionString);
        await using var command = dataSource.CreateCommand("SELECT value FROM site_configs WHERE key = 'deployment_id'");
        Assert.Equal(await command.ExecuteScalarAsync(), info.DeploymentId);
    }

    [Fact]
    public async Task Wire_json_uses_snake_case_property_names()
    {
        var json = await fixture.Client.GetStringAsync(new Uri("/api/v2/buildinfo", UriKind.Relative)).WithTimeout();

        using var document = JsonDocument.Parse(json);
        Assert.True(document.RootElement.TryGetProperty("deployment_id", out _));
    }

    [Fact]
    public async Task The_openapi_document_describes_the_endpoints()
    {
        var json = await fixture.Client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)).WithTimeout();

        using var document = JsonDocument.Parse(json);
        var paths = document.RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/healthz", out _));
        Assert.True(paths.TryGetProperty("/api/v2/buildinfo", out _));
    }

    [Fact]
    public async Task Unknown_routes_answer_problem_details()
    {
        using var response = await fixture.Client.GetAsync(new Uri("/api/v2/nothing-here", UriKind.Relative)).WithTimeout();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Metrics_on_the_main_address_need_a_token()
    {
        using var response = await fixture.Client.GetAsync(new Uri("/metrics", UriKind.Relative)).WithTimeout();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}

/// <summary>The <c>--prometheus-address</c> listener: /metrics without a token, and nothing else.</summary>
public sealed class PrometheusListenerFixture : ServerFixture
{
    internal override ServerOptions Customize(ServerOptions options) => options with { PrometheusEndpoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0) };

    internal Uri MetricsAddress => Server.MetricsAddress!;
}

public sealed class PrometheusListenerTests(PrometheusListenerFixture fixture) : IClassFixture<PrometheusListenerFixture>
{
    [Fact]
    public async Task The_prometheus_listener_serves_metrics_and_nothing_else()
    {
        using var metrics = new HttpClient { BaseAddress = fixture.MetricsAddress, Timeout = TestTimeouts.Default };
        using var api = await metrics.GetAsync(new Uri("/api/v2/buildinfo", UriKind.Relative)).WithTimeout();
        using var main = await fixture.Client.GetAsync(new Uri("/api/v2/buildinfo", UriKind.Relative)).WithTimeout();

        Assert.NotEqual(fixture.BaseAddress.Port, fixture.MetricsAddress.Port);
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        Assert.Equal(HttpStatusCode.OK, main.StatusCode);
    }

    [Fact]
    public async Task Metrics_are_served_in_the_prometheus_text_format()
    {
        await fixture.Client.GetAsync(new Uri("/healthz", UriKind.Relative)).WithTimeout();
        using var metrics = new HttpClient { BaseAddress = fixture.MetricsAddress, Timeout = TestTimeouts.Default };

        using var response = await metrics.GetAsync(new Uri("/metrics", UriKind.Relative)).WithTimeout();
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("# TYPE outpost_build_info gauge", text, StringComparison.Ordinal);
        Assert.Contains($"outpost_build_info{{commit=\"{BuildVersion.Commit}\",version=\"{BuildVersion.Version}\"}} 1", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE http_server_request_duration_seconds histogram", text, StringComparison.Ordinal);
        Assert.Contains("le=\"+Inf\"", text, StringComparison.Ordinal);
    }
}

public sealed class ServerFailureTests
{
    [Fact]
    public async Task An_unhandled_exception_becomes_problem_details_without_a_stack_trace()
    {
        var options = ServerFixture.CreateOptions(await DatabaseFixture.CreateDatabaseAsync("throws"), Directory.CreateTempSubdirectory().FullName) with
        {
            ConfigureApplication = app => app.MapGet("/test/throws", static string () => throw new InvalidOperationException("secret internal detail")),
        };
        var server = (await OutpostServer.StartAsync(options, TestTimeouts.Token()).WithTimeout()).Server!;
        await using (server)
        {
            using var client = new HttpClient { BaseAddress = server.BaseAddress };
            using var response = await client.GetAsync(new Uri("/test/throws", UriKind.Relative)).WithTimeout();
            var body = await response.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.DoesNotContain("secret internal detail", body, StringComparison.Ordinal);
            Assert.DoesNotContain("InvalidOperationException", body, StringComparison.Ordinal);
            Assert.DoesNotContain(" at ", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Healthz_answers_503_with_the_reason_when_the_database_goes_away()
    {
        var connectionString = await DatabaseFixture.CreateDatabaseAsync("unhealthy");
        var server = (await OutpostServer.StartAsync(ServerFixture.CreateOptions(connectionString, Directory.CreateTempSubdirectory().FullName), TestTimeouts.Token()).WithTimeout()).Server!;
        await using (server)
        {
            var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
            var admin = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false }.ConnectionString;
            await using (var connection = new NpgsqlConnection(admin))
            {
                await connection.OpenAsync();
                await using var block = new NpgsqlCommand(
                    $"ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS false; SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'", connection);
                await block.ExecuteNonQueryAsync();
            }

            using var client = new HttpClient { BaseAddress = server.BaseAddress };
            using var response = await client.GetAsync(new Uri("/healthz", UriKind.Relative)).WithTimeout();
            var body = await response.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Contains("database", body, StringComparison.Ordinal);
            Assert.Contains("the database", body, StringComparison.Ordinal);
            Assert.True(body.Contains("not currently accepting connections", StringComparison.Ordinal) || body.Contains("administrator command", StringComparison.Ordinal), body);
        }
    }

    [Fact]
    public async Task Two_servers_starting_at_once_on_one_database_both_come_up()
    {
        var connectionString = await DatabaseFixture.CreateDatabaseAsync("twoservers");
        var starts = await Task.WhenAll(
            OutpostServer.StartAsync(ServerFixture.CreateOptions(connectionString, Directory.CreateTempSubdirectory().FullName), TestTimeouts.Token()),
            OutpostServer.StartAsync(ServerFixture.CreateOptions(connectionString, Directory.CreateTempSubdirectory().FullName), TestTimeouts.Token())).WithTimeout();
        try
        {
            Assert.All(starts, s => Assert.Null(s.Error));
            foreach (var start in starts)
            {
                using var client = new HttpClient { BaseAddress = start.Server!.BaseAddress };
                using var response = await client.GetAsync(new Uri("/healthz", UriKind.Relative)).WithTimeout();
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            await using var command = dataSource.CreateCommand("SELECT count(*) = count(DISTINCT version) AND count(*) > 0 FROM schema_migrations");
            Assert.Equal(true, await command.ExecuteScalarAsync());
        }
        finally
        {
            foreach (var start in starts)
            {
                if (start.Server is not null)
                {
                    await start.Server.DisposeAsync();
                }
            }
        }
    }

    [Fact]
    public async Task A_port_already_in_use_is_reported_with_the_fix()
    {
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var options = ServerFixture.CreateOptions(await DatabaseFixture.CreateDatabaseAsync("porttaken"), Directory.CreateTempSubdirectory().FullName) with
        {
            HttpEndpoint = (IPEndPoint)taken.LocalEndpoint,
        };

        var start = await OutpostServer.StartAsync(options, TestTimeouts.Token()).WithTimeout();

        Assert.Null(start.Server);
        Assert.Contains("already in use", start.Error, StringComparison.Ordinal);
        Assert.Contains("--http-address", start.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_database_is_retried_then_reported()
    {
        using var closed = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var options = ServerFixture.CreateOptions($"Host=127.0.0.1;Port={port};Username=x;Password=y;Database=z;Timeout=2", Directory.CreateTempSubdirectory().FullName) with
        {
            DatabaseConnectTimeout = TimeSpan.FromSeconds(1),
        };

        var start = await OutpostServer.StartAsync(options, TestTimeouts.Token()).WithTimeout();

        Assert.Null(start.Server);
        Assert.Contains("database is unreachable after", start.Error, StringComparison.Ordinal);
        Assert.Contains("--postgres-url", start.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unusable_data_directory_is_reported()
    {
        var file = Path.GetTempFileName();
        try
        {
            var options = ServerFixture.CreateOptions(await DatabaseFixture.CreateDatabaseAsync("baddatadir"), Path.Combine(file, "sub"));

            var start = await OutpostServer.StartAsync(options, TestTimeouts.Token()).WithTimeout();

            Assert.Null(start.Server);
            Assert.Contains("cannot be used", start.Error, StringComparison.Ordinal);
            Assert.Contains("--data-dir", start.Error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
