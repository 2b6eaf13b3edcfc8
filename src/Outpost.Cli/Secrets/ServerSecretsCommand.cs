using System.CommandLine;
using Microsoft.Extensions.Logging;
using Outpost.Server.Hosting;
using Outpost.Server.Secrets;

namespace Outpost.Cli.Secrets;

/// <summary><c>outpost server secrets rotate-key</c>: re-encrypts every user secret and provisioner state under a new key.</summary>
internal static class ServerSecretsCommand
{
    public static Command Create()
    {
        var postgresUrl = new Option<string?>("--postgres-url")
        {
            Description = "The server's PostgreSQL (env OUTPOST_PG_CONNECTION_URL); without it the embedded one in the data directory is used, so stop the server first.",
        };
        var dataDir = new Option<string?>("--data-dir") { Description = "The server's data directory (env OUTPOST_DATA_DIR), where the key file lives." };
        var rotate = new Command("rotate-key",
            "Re-encrypt every user secret and provisioner state under a new key. With the key file, a new key is generated into it; "
            + "with OUTPOST_SECRETS_KEY, set it to the new key and OUTPOST_SECRETS_PREVIOUS_KEYS to the old ones, then run this.") { postgresUrl, dataDir };
        rotate.SetAction(async (result, cancellationToken) =>
        {
            var env = new EnvironmentReader(Environment.GetEnvironmentVariable);
            var (options, errors) = ServerOptions.TryCreate(new ServerFlags
            {
                PostgresUrl = result.GetValue(postgresUrl) ?? env.Get("OUTPOST_PG_CONNECTION_URL"),
                DataDir = result.GetValue(dataDir) ?? env.Get("OUTPOST_DATA_DIR"),
            }, env);
            if (options is null)
            {
                foreach (var error in errors)
                {
                    await Console.Error.WriteLineAsync($"error: {error}").ConfigureAwait(false);
                }

                return ExitCodes.Usage;
            }

            using var loggers = LoggerFactory.Create(logging => ServerLogging.Configure(logging, options.LogFormat));
            var outcome = await SecretsKeyRotation.RunAsync(options, loggers.CreateLogger(SecretsLog.Category), cancellationToken).ConfigureAwait(false);
            if (outcome.Error is not null)
            {
                await Console.Error.WriteLineAsync($"error: {outcome.Error}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            await Console.Error.WriteLineAsync(
                $"Re-encrypted {outcome.Secrets} secret(s) and {outcome.States} provisioner state(s) under key {outcome.KeyId}.").ConfigureAwait(false);
            return ExitCodes.Success;
        });
        var secrets = new Command("secrets", "Manage the key user secrets and provisioner state are encrypted with.") { rotate };
        return secrets;
    }
}
