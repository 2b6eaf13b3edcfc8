using System.CommandLine;
using Outpost.Server.Hosting;

namespace Outpost.Cli.Server;

/// <summary><c>outpost server</c>: runs the control plane until SIGINT or SIGTERM.</summary>
internal static class ServerCommand
{
    public static Command Create()
    {
        var httpAddress = new Option<string?>("--http-address")
        {
            Description = "HTTP bind address of the server (env OUTPOST_HTTP_ADDRESS). Default 127.0.0.1:3000.",
        };
        var accessUrl = new Option<string?>("--access-url")
        {
            Description = "The URL that users and workspaces use to reach this server (env OUTPOST_ACCESS_URL).",
        };
        var postgresUrl = new Option<string?>("--postgres-url")
        {
            Description = "PostgreSQL connection URL or string; without it an embedded PostgreSQL is started (env OUTPOST_PG_CONNECTION_URL).",
        };
        var dataDir = new Option<string?>("--data-dir")
        {
            Description = "Directory for server state and the embedded PostgreSQL (env OUTPOST_DATA_DIR). Default: $XDG_STATE_HOME/outpost.",
        };

        var provisionerDaemons = new Option<string?>("--provisioner-daemons")
        {
            Description = "Provisioner daemons to run inside the server, 0 for none (env OUTPOST_PROVISIONER_DAEMONS). Default 3.",
        };
        var prometheusAddress = new Option<string?>("--prometheus-address")
        {
            Description = "Serve /metrics without authentication on this address, e.g. 127.0.0.1:2112 (env OUTPOST_PROMETHEUS_ADDRESS). Default: off; on the main address /metrics needs an owner's token.",
        };
        var prometheusUserLabels = new Option<string?>("--prometheus-user-labels")
        {
            Description = "false to drop metric labels that name users and workspaces (env OUTPOST_PROMETHEUS_USER_LABELS). Default true.",
        };
        var unsandboxed = new Option<bool>("--local-provisioner-unsandboxed")
        {
            Description = "Run local workspaces without the bubblewrap sandbox, as the server's own user (env OUTPOST_LOCAL_PROVISIONER_UNSANDBOXED). Without bubblewrap, local workspaces are refused unless this is set.",
        };
        var logFormat = new Option<string?>("--log-format")
        {
            Description = "auto (human-readable on a terminal, JSON otherwise), human or json (env OUTPOST_LOG_FORMAT). Default auto.",
        };
        var command = new Command("server", "Run the Outpost control plane.")
        {
            httpAddress, accessUrl, postgresUrl, dataDir, provisionerDaemons, prometheusAddress, prometheusUserLabels, unsandboxed, logFormat,
        };

        command.Subcommands.Add(Secrets.ServerSecretsCommand.Create());
        command.SetAction(async (result, cancellationToken) =>
        {
            var raw = new ServerFlags
            {
                HttpAddress = result.GetValue(httpAddress) ?? Env("OUTPOST_HTTP_ADDRESS"),
                AccessUrl = result.GetValue(accessUrl) ?? Env("OUTPOST_ACCESS_URL"),
                PostgresUrl = result.GetValue(postgresUrl) ?? Env("OUTPOST_PG_CONNECTION_URL"),
                DataDir = result.GetValue(dataDir) ?? Env("OUTPOST_DATA_DIR"),
                ProvisionerDaemons = result.GetValue(provisionerDaemons) ?? Env("OUTPOST_PROVISIONER_DAEMONS"),
                PrometheusAddress = result.GetValue(prometheusAddress) ?? Env("OUTPOST_PROMETHEUS_ADDRESS"),
                PrometheusUserLabels = result.GetValue(prometheusUserLabels) ?? Env("OUTPOST_PROMETHEUS_USER_LABELS"),
                LogFormat = result.GetValue(logFormat) ?? Env("OUTPOST_LOG_FORMAT"),
                LocalProvisionerUnsandboxed = result.GetValue(unsandboxed) ? "true" : Env("OUTPOST_LOCAL_PROVISIONER_UNSANDBOXED"),
            };

            var outcome = await ServerEntryPoint.RunAsync(raw, Environment.GetEnvironmentVariable, cancellationToken).ConfigureAwait(false);
            foreach (var error in outcome.FlagErrors)
            {
                await Console.Error.WriteLineAsync($"error: {error}").ConfigureAwait(false);
            }

            if (outcome.FlagErrors.Count > 0)
            {
                return ExitCodes.Usage;
            }

            if (outcome.StartError is not null)
            {
                await Console.Error.WriteLineAsync($"error: {outcome.StartError}").ConfigureAwait(false);
                return ExitCodes.ServerStartFailed;
            }

            return ExitCodes.Success;
        });

        return command;
    }

    /// <summary>An environment variable, or null when it is unset or blank.</summary>
    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { } value && !string.IsNullOrWhiteSpace(value) ? value : null;
}
