using System.Text.Json;
using Npgsql;
using Outpost.Sdk;
using Outpost.Server.Database;

namespace Outpost.Server.Secrets;

/// <summary>
/// An agent's merged environment at rest (<c>workspace_agents.environment_ciphertext</c>): a template
/// may put secret-derived values there (<c>outpost_agent.env</c>, <c>outpost_env</c>), so the whole
/// environment is one envelope per agent, authenticated for that agent's id, and opened only to
/// serve the agent its manifest. Rows written before encryption existed keep their JSON in
/// <c>environment_variables</c> until <see cref="EncryptPlaintextAsync"/> moves it.
/// </summary>
internal static class AgentEnvironments
{
    public static string Purpose(Guid agentId) => "agent_environment:" + agentId.ToString("D");

    /// <summary>The envelope of an agent's environment; null when the agent has none.</summary>
    public static byte[]? Protect(SecretProtector protector, Guid agentId, IReadOnlyDictionary<string, string>? environment)
    {
        ArgumentNullException.ThrowIfNull(protector);
        return environment is null
            ? null
            : protector.Protect(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string>(environment), OutpostJsonContext.Default.DictionaryStringString), Purpose(agentId));
    }

    /// <summary>The environment as the manifest delivers it: from the envelope, else from a row not converted yet, else empty.</summary>
    public static Dictionary<string, string> Unprotect(SecretProtector protector, Guid agentId, byte[]? ciphertext, string? plaintextJson)
    {
        ArgumentNullException.ThrowIfNull(protector);
        if (ciphertext is not null)
        {
            return JsonSerializer.Deserialize(protector.Unprotect(ciphertext, Purpose(agentId)), OutpostJsonContext.Default.DictionaryStringString) ?? [];
        }

        return plaintextJson is null ? [] : JsonSerializer.Deserialize(plaintextJson, OutpostJsonContext.Default.DictionaryStringString) ?? [];
    }

    /// <summary>
    /// Encrypts every environment still stored as plaintext (rows from before migration 11, or from
    /// an older replica during an upgrade) and clears the plaintext, in one transaction. Run at start.
    /// </summary>
    public static async Task<int> EncryptPlaintextAsync(NpgsqlDataSource dataSource, SecretProtector protector, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(protector);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<(Guid Id, string Json)>();
        await using (var select = new NpgsqlCommand(
            "SELECT id, environment_variables::text FROM workspace_agents WHERE environment_variables IS NOT NULL FOR UPDATE", connection, transaction))
        {
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add((reader.GetGuid(0), reader.GetString(1)));
            }
        }

        foreach (var (id, json) in rows)
        {
            var environment = JsonSerializer.Deserialize(json, OutpostJsonContext.Default.DictionaryStringString) ?? [];
            await using var update = new NpgsqlCommand(
                "UPDATE workspace_agents SET environment_ciphertext = $2, environment_variables = NULL WHERE id = $1", connection, transaction);
            await update.With(id).With(Protect(protector, id, environment)).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return rows.Count;
    }

    /// <summary>Within a rotation's transaction: re-encrypts every agent environment not under the protector's current key.</summary>
    public static async Task<int> ReencryptAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, SecretProtector protector, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(protector);
        var current = protector.Keys.Current.Id;
        var stale = new List<(Guid Id, byte[] Envelope)>();
        await using (var select = new NpgsqlCommand(
            "SELECT id, environment_ciphertext FROM workspace_agents WHERE environment_ciphertext IS NOT NULL FOR UPDATE", connection, transaction))
        {
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var envelope = reader.GetFieldValue<byte[]>(1);
                if (SecretProtector.KeyIdOf(envelope) != current)
                {
                    stale.Add((reader.GetGuid(0), envelope));
                }
            }
        }

        foreach (var (id, envelope) in stale)
        {
            var purpose = Purpose(id);
            await using var update = new NpgsqlCommand("UPDATE workspace_agents SET environment_ciphertext = $2 WHERE id = $1", connection, transaction);
            await update.With(id).With(protector.Protect(protector.Unprotect(envelope, purpose), purpose)).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return stale.Count;
    }
}
