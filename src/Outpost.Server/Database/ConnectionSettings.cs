using System.Data.Common;
using Npgsql;

namespace Outpost.Server.Database;

/// <summary>What the server sets on its connection pool on top of the operator's connection string.</summary>
internal static class ConnectionSettings
{
    public const int AutoPreparedStatements = 64;

    public static NpgsqlDataSourceBuilder Apply(NpgsqlDataSourceBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!given.ContainsKey("Max Auto Prepare") && !given.ContainsKey("MaxAutoPrepare"))
        {
            // Hot statements (the claim, heartbeats, agent calls) are parsed and planned once per
            // connection instead of on every call. An operator's own value, 0 behind a
            // transaction-mode pooler say, is kept.
            builder.ConnectionStringBuilder.MaxAutoPrepare = AutoPreparedStatements;
        }

        // Nothing in the server leaves session state on a pooled connection (no SET, temporary
        // tables or session locks outside the migration runner, which releases its lock; the pubsub
        // listener has an unpooled connection), so the reset statements Npgsql would otherwise run
        // on every checkout are skipped.
        builder.ConnectionStringBuilder.NoResetOnClose = true;
        return builder;
    }
}
