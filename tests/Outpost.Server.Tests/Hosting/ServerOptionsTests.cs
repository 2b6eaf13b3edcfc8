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

    [Fact]
    public void Instance_identity_files_that_cannot_be_read_are_flag_errors_naming_the_variable_and_the_built_in_aws_certificates_load()
    {
        var directory = Directory.CreateTempSubdirectory("outpost-identity-").FullName;
        try
        {
            var notPem = Path.Combine(directory, "not.pem");
            File.WriteAllText(notPem, "hello");
            var notJson = Path.Combine(directory, "google.json");
            File.WriteAllText(notJson, "[1, 2]");
            var env = new EnvironmentReader(name => name switch
            {
                "HOME" => "/home/dev",
                "OUTPOST_AWS_IDENTITY_CERTIFICATES" => Path.Combine(directory, "missing.pem"),
                "OUTPOST_AZURE_IDENTITY_ROOTS" => notPem,
                "OUTPOST_GOOGLE_IDENTITY_CERTIFICATES" => notJson,
                _ => null,
            });

            var (options, errors) = ServerOptions.TryCreate(new ServerFlags(), env);

            Assert.Null(options);
            Assert.Collection(errors,
                e => Assert.StartsWith("OUTPOST_AWS_IDENTITY_CERTIFICATES: cannot read certificates from", e, StringComparison.Ordinal),
                e => Assert.StartsWith($"OUTPOST_AZURE_IDENTITY_ROOTS: {notPem} holds no PEM certificate", e, StringComparison.Ordinal),
                e => Assert.StartsWith("OUTPOST_GOOGLE_IDENTITY_CERTIFICATES: cannot read Google's identity certificates", e, StringComparison.Ordinal));
            Assert.Equal(14, new Outpost.Server.Agents.Identity.InstanceIdentityOptions().AwsCertificates().Count);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
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
