using System.Net;
using Npgsql;

namespace Outpost.Server.Hosting;

/// <summary>The validated configuration of one server process.</summary>
internal sealed record ServerOptions
{
    public const string DefaultHttpAddress = "127.0.0.1:3000";

    public required IPEndPoint HttpEndpoint { get; init; }

    /// <summary>The URL users and agents reach the server at; null means "derive from the bound address".</summary>
    /// <summary>The session relay's timings and this replica's URL for agents' dial-backs.</summary>
    public Sessions.SessionRelayOptions? SessionRelay { get; init; }

    public Uri? AccessUrl { get; init; }

    /// <summary>An Npgsql connection string for an external database, or null for the embedded one.</summary>
    public string? PostgresConnectionString { get; init; }

    public required string DataDirectory { get; init; }

    /// <summary>How long to keep retrying an unreachable database at start before giving up.</summary>
    public TimeSpan DatabaseConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public Identity.IdentityOptions Identity { get; init; } = new();

    public ProvisioningOptions Provisioning { get; init; } = new();

    public Agents.AgentApiOptions AgentApi { get; init; } = new();

    /// <summary>What agents' cloud instance identity documents are checked against.</summary>
    public Agents.Identity.InstanceIdentityOptions InstanceIdentity { get; init; } = new();

    /// <summary>
    /// Where <c>/metrics</c> is served to anyone who can connect (Prometheus); null (the default) for
    /// nowhere. On the main address, <c>/metrics</c> always needs an owner's token.
    /// </summary>
    public IPEndPoint? PrometheusEndpoint { get; init; }

    /// <summary>False to drop metric labels that name users and workspaces (their series are summed).</summary>
    public bool PrometheusUserLabels { get; init; } = true;

    /// <summary>
    /// True to run local workspaces without the bubblewrap sandbox (as the server's own user, seeing
    /// everything it sees); only for machines without bubblewrap where that is acceptable.
    /// </summary>
    public bool LocalProvisionerUnsandboxed { get; init; }

    /// <summary>How logs are written; tests and services get JSON (stderr is not a terminal).</summary>
    public ServerLogFormat LogFormat { get; init; } = ServerLogFormat.Auto;

    /// <summary>The key user secrets and provisioner state are encrypted with (env OUTPOST_SECRETS_KEY); null for the generated key file.</summary>
    public string? SecretsKey { get; init; }

    /// <summary>Earlier keys, comma-separated, still accepted for decryption during a rotation (env OUTPOST_SECRETS_PREVIOUS_KEYS).</summary>
    public string? SecretsPreviousKeys { get; init; }

    /// <summary>How many provisioner daemons run inside the server process (0 for none).</summary>
    public int ProvisionerDaemons { get; init; } = 3;

    public const int MaxProvisionerDaemons = 64;

    /// <summary>Adjusts each built-in daemon's options; tests shorten intervals and point the agent command at outpost.dll.</summary>
    internal Func<Provisioner.Daemon.ProvisionerDaemonOptions, Provisioner.Daemon.ProvisionerDaemonOptions>? ConfigureDaemon { get; init; }

    /// <summary>The clock for token expiry, timeouts and reapers; tests substitute a fake one.</summary>
    internal TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Extra endpoints mapped after the server's own; tests use it to provoke failures.</summary>
    internal Action<Microsoft.AspNetCore.Builder.WebApplication>? ConfigureApplication { get; init; }

    /// <summary>Validates every flag at once, so the user sees all mistakes in one run.</summary>
    public static (ServerOptions? Options, IReadOnlyList<string> Errors) TryCreate(ServerFlags flags, EnvironmentReader env)
    {
        ArgumentNullException.ThrowIfNull(flags);
        ArgumentNullException.ThrowIfNull(env);
        var errors = new List<string>();

        var address = flags.HttpAddress ?? DefaultHttpAddress;
        if (!TryParseEndpoint(address, out var endpoint))
        {
            errors.Add($"--http-address \"{address}\" is not a valid address; use host:port, for example 127.0.0.1:3000 or 0.0.0.0:3000");
        }

        Uri? accessUrl = null;
        if (flags.AccessUrl is not null
            && (!Uri.TryCreate(flags.AccessUrl, UriKind.Absolute, out accessUrl) || (accessUrl.Scheme != Uri.UriSchemeHttp && accessUrl.Scheme != Uri.UriSchemeHttps)))
        {
            errors.Add($"--access-url \"{flags.AccessUrl}\" must be an absolute http:// or https:// URL");
            accessUrl = null;
        }

        string? connectionString = null;
        if (flags.PostgresUrl is not null)
        {
            var converted = PostgresUrl.ToConnectionString(flags.PostgresUrl);
            if (converted.Error is not null)
            {
                errors.Add($"--postgres-url: {converted.Error}");
            }

            connectionString = converted.ConnectionString;
        }

        var daemons = 3;
        if (flags.ProvisionerDaemons is not null
            && (!int.TryParse(flags.ProvisionerDaemons, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out daemons) || daemons > MaxProvisionerDaemons))
        {
            errors.Add($"--provisioner-daemons \"{flags.ProvisionerDaemons}\" must be a whole number from 0 to {MaxProvisionerDaemons}");
        }

        IPEndPoint? prometheus = null;
        if (flags.PrometheusAddress is { Length: > 0 } metricsAddress && !TryParseEndpoint(metricsAddress, out prometheus))
        {
            errors.Add($"--prometheus-address \"{metricsAddress}\" is not a valid address; use host:port, for example 127.0.0.1:2112");
        }

        var userLabels = true;
        if (flags.PrometheusUserLabels is { Length: > 0 } labels && !bool.TryParse(labels, out userLabels))
        {
            errors.Add($"--prometheus-user-labels \"{labels}\" must be true or false");
        }

        var unsandboxed = false;
        if (flags.LocalProvisionerUnsandboxed is { Length: > 0 } sandboxFlag && !bool.TryParse(sandboxFlag, out unsandboxed))
        {
            errors.Add($"--local-provisioner-unsandboxed \"{sandboxFlag}\" must be true or false");
        }

        var logFormat = ServerLogFormat.Auto;
        if (flags.LogFormat is { Length: > 0 } format && (!Enum.TryParse(format, ignoreCase: true, out logFormat) || !Enum.IsDefined(logFormat) || char.IsDigit(format[0])))
        {
            errors.Add($"--log-format \"{format}\" must be auto, human or json");
        }

        var instanceIdentity = Agents.Identity.InstanceIdentityOptions.Read(env, errors);

        var dataDir = flags.DataDir ?? DefaultDataDirectory(env);
        if (dataDir is null)
        {
            errors.Add("--data-dir is required: neither XDG_STATE_HOME nor HOME is set");
        }

        if (errors.Count > 0 || endpoint is null || dataDir is null)
        {
            return (null, errors);
        }

        return (new ServerOptions
        {
            HttpEndpoint = endpoint,
            AccessUrl = accessUrl,
            PostgresConnectionString = connectionString,
            DataDirectory = Path.GetFullPath(dataDir),
            ProvisionerDaemons = daemons,
            PrometheusEndpoint = prometheus,
            PrometheusUserLabels = userLabels,
            LocalProvisionerUnsandboxed = unsandboxed,
            LogFormat = logFormat,
            SecretsKey = env.Get("OUTPOST_SECRETS_KEY"),
            SecretsPreviousKeys = env.Get("OUTPOST_SECRETS_PREVIOUS_KEYS"),
            InstanceIdentity = instanceIdentity,
        }, errors);
    }

    internal static string? DefaultDataDirectory(EnvironmentReader env)
    {
        var stateHome = env.Get("XDG_STATE_HOME");
        if (stateHome is not null && Path.IsPathRooted(stateHome))
        {
            return Path.Combine(stateHome, "outpost");
        }

        var home = env.Get("HOME");
        return home is null ? null : Path.Combine(home, ".local", "state", "outpost");
    }

    internal static bool TryParseEndpoint(string value, out IPEndPoint? endpoint)
    {
        endpoint = null;
        var colon = value.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(value.AsSpan(colon + 1), out var port) || port is < 0 or > 65535)
        {
            return false;
        }

        var host = value[..colon].Trim('[', ']');
        IPAddress? ip;
        if (host.Length == 0)
        {
            ip = IPAddress.Any;
        }
        else if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            ip = IPAddress.Loopback;
        }
        else if (!IPAddress.TryParse(host, out ip))
        {
            return false;
        }

        endpoint = new IPEndPoint(ip, port);
        return true;
    }
}

/// <summary>Turns a <c>postgres://</c> URL (or an Npgsql key=value string) into a connection string.</summary>
internal static class PostgresUrl
{
    public static (string? ConnectionString, string? Error) ToConnectionString(string value)
    {
        if (!value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            && !value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                return (new NpgsqlConnectionStringBuilder(value).ConnectionString, null);
            }
            catch (ArgumentException e)
            {
                return (null, $"not a postgres:// URL nor a valid connection string ({e.Message})");
            }
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            return (null, "the URL could not be parsed; expected postgres://user:password@host:port/database");
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')) is { Length: > 0 } db ? db : "postgres",
        };
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2)
            {
                builder.Password = Uri.UnescapeDataString(parts[1]);
            }
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(kv[0]);
            var val = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : string.Empty;
            try
            {
                builder[key switch
                {
                    "sslmode" => "SSL Mode",
                    "connect_timeout" => "Timeout",
                    "application_name" => "Application Name",
                    _ => key,
                }] = key == "sslmode" ? NormalizeSslMode(val) : val;
            }
            catch (ArgumentException)
            {
                return (null, $"the URL parameter \"{key}\" is not supported");
            }
        }

        return (builder.ConnectionString, null);
    }

    private static string NormalizeSslMode(string value) => value.ToLowerInvariant() switch
    {
        "disable" => "Disable",
        "allow" => "Allow",
        "prefer" => "Prefer",
        "require" => "Require",
        "verify-ca" => "VerifyCA",
        "verify-full" => "VerifyFull",
        _ => value,
    };
}
