using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Tasks;
using Outpost.Server.Database;

namespace Outpost.Server.Tasks;

/// <summary>
/// The store of <c>ai_seat_state</c> (coder-spec §9). The upsert is debounced in the database too: an
/// existing row is rewritten only when its last write is older than <see cref="DatabaseWindow"/>, so
/// replicas (each with its own in-memory debounce) cannot make a user cost more than one write per window.
/// </summary>
internal sealed class AiSeatStore(NpgsqlDataSource dataSource)
{
    /// <summary>The database-side debounce: upstream's 6 hours.</summary>
    public static readonly TimeSpan DatabaseWindow = TimeSpan.FromHours(6);

    /// <summary>
    /// Inserts the user's seat, or refreshes it when the window has passed. Returns whether a row was
    /// written, and whether it was new (upstream's <c>xmax = 0</c> test).
    /// </summary>
    public async Task<(bool Written, bool IsNew)> UpsertAsync(Guid userId, AiSeatUsage usage, string description, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO ai_seat_state AS s (user_id, first_used_at, last_used_at, last_event_type, last_event_description, updated_at)
            VALUES ($1, $2, $2, $3, $4, $2)
            ON CONFLICT (user_id) DO UPDATE SET last_used_at = EXCLUDED.last_used_at, last_event_type = EXCLUDED.last_event_type,
                last_event_description = EXCLUDED.last_event_description, updated_at = EXCLUDED.updated_at
            WHERE s.updated_at <= $5
            RETURNING (xmax = 0)
            """);
        command.With(userId).With(now).With(WireName<AiSeatUsage>.Name(usage)).With(description).With(now - DatabaseWindow);
        var result = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return result is bool isNew ? (true, isNew) : (false, false);
    }

    /// <summary>Seats of active users, first use first (suspended users hold none; their row stays).</summary>
    public async Task<List<AiSeat>> ListAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT s.user_id, u.username, s.first_used_at, s.last_used_at, s.last_event_type, s.last_event_description
            FROM ai_seat_state s JOIN users u ON u.id = s.user_id
            WHERE u.status = 'active'
            ORDER BY s.first_used_at, s.user_id
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var seats = new List<AiSeat>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            seats.Add(new AiSeat
            {
                UserId = reader.GetGuid(0),
                Username = reader.GetString(1),
                FirstUsedAt = reader.GetFieldValue<DateTimeOffset>(2),
                LastUsedAt = reader.GetFieldValue<DateTimeOffset>(3),
                LastEventType = WireName<AiSeatUsage>.Parse(reader.GetString(4)),
                LastEventDescription = reader.GetString(5),
            });
        }

        return seats;
    }

    /// <summary>How many seats are in use.</summary>
    public async Task<int> CountAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM ai_seat_state s JOIN users u ON u.id = s.user_id WHERE u.status = 'active'");
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
