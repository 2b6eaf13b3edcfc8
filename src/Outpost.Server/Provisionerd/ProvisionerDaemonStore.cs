using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Npgsql;
using Outpost.Sdk.Diagnostics;
using Outpost.Server.Database;

namespace Outpost.Server.Provisionerd;

/// <summary>
/// The <c>provisioner_daemons</c> table (issue 24): which daemons the server hears from, the provisioner types they
/// serve and their last contact. A daemon is its key and the name it gives. Contact is an acquire (every idle daemon
/// long-polls at least once a minute), a job update (heartbeats while it works) or a completion; the row is written
/// at most once per daemon per <see cref="WriteInterval"/> on the injected clock, so a storm of requests costs one
/// write, and <see cref="ProvisionerDaemonStatus.LastSeenAt"/> is late by at most that interval.
/// </summary>
internal sealed partial class ProvisionerDaemonStore(NpgsqlDataSource dataSource, TimeProvider time, ILogger<ProvisionerDaemonStore> logger)
{
    /// <summary>The most often one daemon's row is written.</summary>
    public static readonly TimeSpan WriteInterval = TimeSpan.FromSeconds(15);

    /// <summary>
    /// A daemon whose last contact is older than this is not in contact: an idle daemon asks again as soon as its long
    /// poll (at most 60 s) ends, and its row may be <see cref="WriteInterval"/> late.
    /// </summary>
    public static readonly TimeSpan ContactWindow = TimeSpan.FromSeconds(90);

    /// <summary>Daemons not heard from for this long are left out of the list (their rows stay).</summary>
    public static readonly TimeSpan ListedFor = TimeSpan.FromDays(1);

    // Daemons and jobs in flight are few; the bound is a backstop (a cleared entry costs one more write).
    private const int MaxRemembered = 4096;

    private readonly ConcurrentDictionary<(string KeyId, string Name), Written> _written = new();

    private sealed record Written(DateTimeOffset At, string Provisioners);

    /// <summary>A daemon asked for jobs of <paramref name="provisioners"/>: its row is created or refreshed unless it was written within the interval.</summary>
    public async Task SeenAsync(DaemonIdentity daemon, string name, IReadOnlyList<string> provisioners, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(daemon);
        ArgumentNullException.ThrowIfNull(provisioners);
        var now = time.GetUtcNow();
        var types = provisioners.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var joined = string.Join(',', types);
        if (!Due((daemon.KeyId, name), now, joined))
        {
            return;
        }

        await WriteAsync("""
            INSERT INTO provisioner_daemons (key_id, name, key_name, provisioners, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $5)
            ON CONFLICT (key_id, name) DO UPDATE SET key_name = EXCLUDED.key_name, provisioners = EXCLUDED.provisioners,
                last_seen_at = GREATEST(provisioner_daemons.last_seen_at, EXCLUDED.last_seen_at)
            """, [daemon.KeyId, name, daemon.KeyName, types, now], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A daemon reported on a job it works on (an update or a completion): the daemon that claimed the job was in contact.</summary>
    public async Task WorkedOnAsync(DaemonIdentity daemon, Guid jobId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(daemon);
        var now = time.GetUtcNow();
        if (!Due((daemon.KeyId, "job:" + jobId.ToString("N")), now, string.Empty))
        {
            return;
        }

        await WriteAsync("""
            UPDATE provisioner_daemons d SET last_seen_at = $3
            FROM provisioner_jobs j
            WHERE j.id = $2 AND d.key_id = $1 AND d.name = j.worker_name AND d.last_seen_at < $3
            """, [daemon.KeyId, jobId, now], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The daemons heard from within <see cref="ListedFor"/>, most recent contact first.</summary>
    public async Task<List<ProvisionerDaemonStatus>> ListAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var command = dataSource.CreateCommand("""
            SELECT name, key_name, provisioners, created_at, last_seen_at FROM provisioner_daemons
            WHERE last_seen_at >= $1 ORDER BY last_seen_at DESC, name
            """);
        command.With(now - ListedFor);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var daemons = new List<ProvisionerDaemonStatus>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var lastSeen = reader.GetFieldValue<DateTimeOffset>(4);
            daemons.Add(new ProvisionerDaemonStatus
            {
                Name = reader.GetString(0),
                KeyName = reader.GetString(1),
                Provisioners = reader.GetFieldValue<string[]>(2),
                FirstSeenAt = reader.GetFieldValue<DateTimeOffset>(3),
                LastSeenAt = lastSeen,
                InContact = now - lastSeen <= ContactWindow,
            });
        }

        return daemons;
    }

    /// <summary>
    /// The jobs waiting to be claimed, by provisioner type, with how many daemons in contact serve the type: a job
    /// waits for a daemon whose provisioners include its own, as <c>JobQueue.ClaimStatement</c> matches them.
    /// </summary>
    public async Task<List<WaitingJobs>> WaitingAsync(IReadOnlyList<ProvisionerDaemonStatus> daemons, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(daemons);
        await using var command = dataSource.CreateCommand("""
            SELECT provisioner, count(*), min(created_at) FROM provisioner_jobs
            WHERE started_at IS NULL AND completed_at IS NULL GROUP BY provisioner ORDER BY min(created_at)
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var waiting = new List<WaitingJobs>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var provisioner = reader.GetString(0);
            waiting.Add(new WaitingJobs
            {
                Provisioner = provisioner,
                Count = (int)reader.GetInt64(1),
                OldestQueuedAt = reader.GetFieldValue<DateTimeOffset>(2),
                DaemonsInContact = daemons.Count(d => d.InContact && d.Provisioners.Contains(provisioner, StringComparer.Ordinal)),
            });
        }

        return waiting;
    }

    /// <summary>Whether the row of <paramref name="key"/> is due a write; if so, claims it for now.</summary>
    private bool Due((string KeyId, string Name) key, DateTimeOffset now, string provisioners)
    {
        if (_written.TryGetValue(key, out var last) && now - last.At < WriteInterval && last.Provisioners == provisioners)
        {
            return false;
        }

        if (_written.Count >= MaxRemembered)
        {
            _written.Clear();
        }

        var claimed = new Written(now, provisioners);
        return last is null ? _written.TryAdd(key, claimed) : _written.TryUpdate(key, claimed, last);
    }

    /// <summary>Writes; a failure is logged and forgotten (the daemon's request goes on), and the next contact writes again.</summary>
    private async Task WriteAsync(string sql, object[] values, CancellationToken cancellationToken)
    {
        try
        {
            await using var command = dataSource.CreateCommand(sql);
            foreach (var value in values)
            {
                command.With(value);
            }

            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            _written.Clear();
            Log.ContactNotRecorded(logger, e.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = OutpostEventIds.Deployment + 1, Level = LogLevel.Warning,
            Message = "A provisioner daemon's contact could not be recorded ({Reason}); the next contact records it")]
        public static partial void ContactNotRecorded(ILogger logger, string reason);
    }
}
