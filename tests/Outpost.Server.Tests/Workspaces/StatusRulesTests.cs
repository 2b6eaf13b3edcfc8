using Npgsql;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Workspaces;
using Outpost.Testing;

namespace Outpost.Server.Tests.Workspaces;

public sealed class StatusRulesTests
{
    [Fact]
    public void The_status_filter_pairs_are_the_table_read_backwards()
    {
        Assert.Equal(["pending:start", "pending:stop", "pending:delete"], WorkspaceStore.StatusPairsFor(WorkspaceStatus.Pending));
        Assert.Equal(["running:stop"], WorkspaceStore.StatusPairsFor(WorkspaceStatus.Stopping));
        Assert.Equal(["failed:start", "failed:stop", "failed:delete"], WorkspaceStore.StatusPairsFor(WorkspaceStatus.Failed));
    }
}

/// <summary>The generated column <c>provisioner_jobs.job_status</c> against every shape of timestamps and error.</summary>
public sealed class JobStatusColumnTests(WorkspaceServerFixture fixture) : IClassFixture<WorkspaceServerFixture>
{
    [Theory]
    [InlineData(false, false, false, null, "pending")]
    [InlineData(true, false, false, null, "running")]
    [InlineData(true, false, true, null, "succeeded")]
    [InlineData(true, false, true, "", "succeeded")]
    [InlineData(true, true, false, null, "canceling")]
    [InlineData(true, true, true, null, "canceled")]
    [InlineData(false, true, true, null, "canceled")]
    [InlineData(true, false, true, "boom", "failed")]
    [InlineData(true, true, true, "boom", "failed")]
    [InlineData(true, false, false, "boom", "failed")]
    [InlineData(false, true, false, "", "canceling")]
    [InlineData(false, false, false, "", "pending")]
    public async Task Job_status_is_derived_in_the_specs_order(bool started, bool canceled, bool completed, string? error, string expected)
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync().WithTimeout();
        await using var transaction = await connection.BeginTransactionAsync().WithTimeout();
        await using (var file = new NpgsqlCommand("INSERT INTO files (hash, data, created_at) VALUES (repeat('a', 64), '\\x00', now()) ON CONFLICT DO NOTHING", connection, transaction))
        {
            await file.ExecuteNonQueryAsync().WithTimeout();
        }

        await using var command = new NpgsqlCommand("""
            INSERT INTO provisioner_jobs (id, type, provisioner, file_hash, created_at, updated_at, started_at, canceled_at, completed_at, error)
            VALUES (gen_random_uuid(), 'workspace_build', 'local', repeat('a', 64), now(), now(),
                    CASE WHEN $1 THEN now() END, CASE WHEN $2 THEN now() END, CASE WHEN $3 THEN now() END, $4)
            RETURNING job_status
            """, connection, transaction);
        command.Parameters.Add(new() { Value = started });
        command.Parameters.Add(new() { Value = canceled });
        command.Parameters.Add(new() { Value = completed });
        command.Parameters.Add(new() { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });

        var status = await command.ExecuteScalarAsync().WithTimeout();
        await transaction.RollbackAsync().WithTimeout();

        Assert.Equal(expected, status);
    }
}
