using System.CommandLine;
using Outpost.Server.Hosting;

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
            var environment = (Func<string, string?>)Environment.GetEnvironmentVariable;
            var outcome = await ServerEntryPoint.RotateSecretsKeyAsync(new ServerFlags
            {
                PostgresUrl = result.GetValue(postgresUrl) ?? environment("OUTPOST_PG_CONNECTION_URL"),
                DataDir = result.GetValue(dataDir) ?? environment("OUTPOST_DATA_DIR"),
            }, environment, cancellationToken).ConfigureAwait(false);
            foreach (var error in outcome.FlagErrors)
            {
                await Console.Error.WriteLineAsync($"error: {error}").ConfigureAwait(false);
            }

            if (outcome.FlagErrors.Count > 0)
            {
                return ExitCodes.Usage;
            }

            if (outcome.Error is not null)
            {
                await Console.Error.WriteLineAsync($"error: {outcome.Error}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            await Console.Error.WriteLineAsync(
                $"Re-encrypted {outcome.Secrets} secret(s), {outcome.States} provisioner state(s) and {outcome.AgentEnvironments} agent environment(s) under key {outcome.KeyId}.").ConfigureAwait(false);
            return ExitCodes.Success;
        });
        var secrets = new Command("secrets", "Manage the key user secrets and provisioner state are encrypted with.") { rotate };
        return secrets;
    }
}
