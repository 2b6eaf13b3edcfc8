using Microsoft.Extensions.Logging;
using Npgsql;
using Outpost.Server.Database;
using Outpost.Server.Hosting;

namespace Outpost.Server.Secrets;

/// <summary>
/// <c>outpost server secrets rotate-key</c>: every user secret, provisioner state and agent environment ends up under
/// one current key. With the key file, a new key is generated and written first in the file (the
/// old ones stay after it until the re-encryption has committed, so a crash in between loses
/// nothing); then the file keeps only the new key. With <c>OUTPOST_SECRETS_KEY</c>, that key is the
/// new one and the old ones come from <c>OUTPOST_SECRETS_PREVIOUS_KEYS</c> (or the file).
/// </summary>
internal static class SecretsKeyRotation
{
    public sealed record Outcome(string? Error, string? KeyId = null, int Secrets = 0, int States = 0, int AgentEnvironments = 0);

    /// <summary>How many rows a re-encryption rewrote, by kind.</summary>
    public sealed record Counts(int Secrets, int States, int AgentEnvironments);

    public static async Task<Outcome> RunAsync(ServerOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (ring, error) = SecretsKeyRing.Load(options.DataDirectory, options.SecretsKey, options.SecretsPreviousKeys);
        if (ring is null)
        {
            return new Outcome(error);
        }

        var target = ring;
        if (!ring.FromEnvironment)
        {
            var fresh = SecretsKey.Generate();
            var all = ring.KeyIds.Select(id => ring.Find(id)!).ToList();
            SecretsKeyRing.WriteKeyFile(ring.KeyFile!, [fresh, .. all]);
            target = new SecretsKeyRing(fresh, all);
        }

        await using var embedded = options.PostgresConnectionString is null
            ? (await EmbeddedPostgres.StartAsync(options.DataDirectory, logger, cancellationToken).ConfigureAwait(false)).Instance
            : null;
        var connectionString = options.PostgresConnectionString ?? embedded?.ConnectionString;
        if (connectionString is null)
        {
            return new Outcome("the embedded PostgreSQL did not start (is the server still running? stop it first)");
        }

        await using var dataSource = ConnectionSettings.Apply(new NpgsqlDataSourceBuilder(connectionString) { Name = "outpost-rotate-key" }, connectionString).Build();
        var migrated = await MigrationRunner.ApplyAsync(dataSource, logger, cancellationToken).ConfigureAwait(false);
        if (migrated.Error is not null)
        {
            return new Outcome(migrated.Error);
        }

        var protector = new SecretProtector(target);
        await AgentEnvironments.EncryptPlaintextAsync(dataSource, protector, cancellationToken).ConfigureAwait(false);
        var counts = await ReencryptAsync(dataSource, protector, cancellationToken).ConfigureAwait(false);
        if (!ring.FromEnvironment)
        {
            SecretsKeyRing.WriteKeyFile(target.KeyFile ?? ring.KeyFile!, [target.Current]);
        }

        SecretsLog.Rotated(logger, counts.Secrets, counts.States, counts.AgentEnvironments, target.Current.Id);
        return new Outcome(null, target.Current.Id, counts.Secrets, counts.States, counts.AgentEnvironments);
    }

    /// <summary>Re-encrypts, in one transaction, every secret, state and agent environment not already under the protector's current key.</summary>
    public static async Task<Counts> ReencryptAsync(NpgsqlDataSource dataSource, SecretProtector protector, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(protector);
        var current = protector.Keys.Current.Id;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        var secrets = new List<(Guid Id, byte[] Envelope)>();
        await using (var select = new NpgsqlCommand("SELECT id, value_ciphertext FROM user_secrets WHERE value_key_id <> $1 FOR UPDATE", connection, transaction))
        {
            select.With(current);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                secrets.Add((reader.GetGuid(0), reader.GetFieldValue<byte[]>(1)));
            }
        }

        foreach (var (id, envelope) in secrets)
        {
            var purpose = SecretProtector.SecretPurpose(id);
            await using var update = new NpgsqlCommand("UPDATE user_secrets SET value_ciphertext = $2, value_key_id = $3 WHERE id = $1", connection, transaction);
            await update.With(id).With(protector.Protect(protector.Unprotect(envelope, purpose), purpose)).With(current).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var states = new List<(Guid BuildId, byte[] State)>();
        await using (var select = new NpgsqlCommand("SELECT build_id, state FROM provisioner_states WHERE length(state) > 0 FOR UPDATE", connection, transaction))
        {
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var state = reader.GetFieldValue<byte[]>(1);
                if (!SecretProtector.IsProtected(state) || SecretProtector.KeyIdOf(state) != current)
                {
                    states.Add((reader.GetGuid(0), state));
                }
            }
        }

        foreach (var (buildId, state) in states)
        {
            await using var update = new NpgsqlCommand("UPDATE provisioner_states SET state = $2 WHERE build_id = $1", connection, transaction);
            await update.With(buildId).With(protector.ProtectState(protector.UnprotectState(state))).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var environments = await AgentEnvironments.ReencryptAsync(connection, transaction, protector, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new Counts(secrets.Count, states.Count, environments);
    }
}
