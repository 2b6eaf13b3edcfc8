using System.Data.Common;
using Npgsql;

namespace Outpost.Server.Database;

/// <summary>What the server sets on its connection pool on top of the operator's connection string.</summary>
internal static class ConnectionSettings
{
    public const int AutoPreparedStatements = 64;

    /// <summary>Idle connections beyond what the load needs are closed after this many seconds (Npgsql's default is 300).</summary>
    public const int IdleLifetimeSeconds = 30;

    /// <summary>Connections the pool keeps however quiet it is (Npgsql's default is 0).</summary>
    public const int MinimumPoolSize = 10;

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

        if (!given.ContainsKey("Connection Idle Lifetime") && !given.ContainsKey("ConnectionIdleLifetime"))
        {
            // A burst (fifty daemons long-polling at once, say) grows the pool, and the pool hands
            // out its idle connections in turn, so afterwards every backend sees a trickle of work:
            // measured with the queue benchmark, 50 pooled backends instead of 3 cost PostgreSQL
            // about 50% more CPU per job. Surplus connections are pruned after 30 s instead of 5 min.
            // Npgsql refuses an idle lifetime shorter than the operator's pruning interval.
            builder.ConnectionStringBuilder.ConnectionIdleLifetime = Math.Max(IdleLifetimeSeconds, builder.ConnectionStringBuilder.ConnectionPruningInterval);
        }

        if (!given.ContainsKey("Minimum Pool Size") && !given.ContainsKey("MinPoolSize") && !given.ContainsKey("Min Pool Size"))
        {
            // Pruning never goes below this. With none kept, a quiet spell pruned the pool down and the next burst
            // waited for dozens of new backends at once, each its fork and password exchange (0.5–0.7 s apiece in
            // the agent-load bench, which opened 48–50 in 30 s at 1,000 and 2,000 agents; 22 and 40 with ten
            // kept: bench/README.md, issue 25, cause 8).
            builder.ConnectionStringBuilder.MinPoolSize = Math.Min(MinimumPoolSize, builder.ConnectionStringBuilder.MaxPoolSize);
        }

        // Nothing in the server leaves session state on a pooled connection (no SET, temporary
        // tables or session locks outside the migration runner, which releases its lock; the pubsub
        // listener has an unpooled connection), so the reset statements Npgsql would otherwise run
        // on every checkout are skipped.
        builder.ConnectionStringBuilder.NoResetOnClose = true;
        return builder;
    }
}
