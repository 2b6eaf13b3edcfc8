using System.Net;
using Npgsql;
using Outpost.Server.Hosting;

namespace Outpost.Server.Tests.Hosting;

public sealed class ServerOptionsTests
{
    private static readonly EnvironmentReader Home = new(name => name == "HOME" ? "/home/dev" : null);

    [Fact]
    public void Defaults_listen_on_loopback_3000_and_keep_state_under_xdg_state()
    {
        var (options, errors) = ServerOptions.TryCreate(new ServerFlags(), Home);

        Assert.Empty(errors);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 3000), options!.HttpEndpoint);
        Assert.Equal("/home/dev/.local/state/outpost", options.DataDirectory);
        Assert.Null(options.PostgresConnectionString);
    }

    [Fact]
    public void Xdg_state_home_wins_over_home()
    {
        var env = new EnvironmentReader(name => name switch { "HOME" => "/home/dev", "XDG_STATE_HOME" => "/state", _ => null });

        var (options, _) = ServerOptions.TryCreate(new ServerFlags(), env);

        Assert.Equal("/state/outpost", options!.DataDirectory);
    }

    [Theory]
    [InlineData("0.0.0.0:8080", "0.0.0.0", 8080)]
    [InlineData(":8080", "0.0.0.0", 8080)]
    [InlineData("localhost:1", "127.0.0.1", 1)]
    [InlineData("[::1]:3000", "::1", 3000)]
    public void Http_addresses_parse(string value, string ip, int port)
    {
        var (options, errors) = ServerOptions.TryCreate(new ServerFlags { HttpAddress = value }, Home);

        Assert.Empty(errors);
        Assert.Equal(new IPEndPoint(IPAddress.Parse(ip), port), options!.HttpEndpoint);
    }

    [Fact]
    public void Every_bad_flag_is_reported_at_once()
    {
        var (options, errors) = ServerOptions.TryCreate(
            new ServerFlags { HttpAddress = "nowhere", AccessUrl = "ftp://x", PostgresUrl = "postgres://" },
            Home);

        Assert.Null(options);
        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("--http-address", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("--access-url", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("--postgres-url", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null, 3)]
    [InlineData("0", 0)]
    [InlineData("8", 8)]
    public void Built_in_provisioner_daemons_default_to_three(string? value, int expected)
    {
        var (options, errors) = ServerOptions.TryCreate(new ServerFlags { ProvisionerDaemons = value }, Home);

        Assert.Empty(errors);
        Assert.Equal(expected, options!.ProvisionerDaemons);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("many")]
    [InlineData("65")]
    public void A_bad_daemon_count_is_refused(string value)
    {
        var (options, errors) = ServerOptions.TryCreate(new ServerFlags { ProvisionerDaemons = value }, Home);

        Assert.Null(options);
        Assert.Contains("--provisioner-daemons", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void A_postgres_url_becomes_a_connection_string()
    {
        var (value, error) = PostgresUrl.ToConnectionString("postgres://coder:p%40ss@db.internal:6543/outpost?sslmode=disable");

        Assert.Null(error);
        var builder = new NpgsqlConnectionStringBuilder(value);
        Assert.Equal("db.internal", builder.Host);
        Assert.Equal(6543, builder.Port);
        Assert.Equal("coder", builder.Username);
        Assert.Equal("p@ss", builder.Password);
        Assert.Equal("outpost", builder.Database);
        Assert.Equal(SslMode.Disable, builder.SslMode);
    }

    [Fact]
    public void A_key_value_connection_string_is_accepted_as_is()
    {
        var (value, error) = PostgresUrl.ToConnectionString("Host=h;Database=d;Username=u");

        Assert.Null(error);
        Assert.Equal("h", new NpgsqlConnectionStringBuilder(value).Host);
    }
}
