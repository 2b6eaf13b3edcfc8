using Npgsql;
using Outpost.Sdk.Provisioning;
using Outpost.Server.ProvisionerJobs;
using Outpost.Testing;
using static Outpost.Sdk.Provisioning.ProvisionerJobStatus;
using static Outpost.Sdk.Provisioning.WorkspaceTransition;

namespace Outpost.Server.Tests.Workspaces;

public sealed class StatusRulesTests
{
    public static TheoryData<ProvisionerJobStatus, WorkspaceTransition, WorkspaceStatus> Table => new()
    {
        { Pending, Start, WorkspaceStatus.Pending }, { Pending, Stop, WorkspaceStatus.Pending }, { Pending, Delete, WorkspaceStatus.Pending },
        { Running, Start, WorkspaceStatus.Starting }, { Running, Stop, WorkspaceStatus.Stopping }, { Running, Delete, WorkspaceStatus.Deleting },
        { Succeeded, Start, WorkspaceStatus.Running }, { Succeeded, Stop, WorkspaceStatus.Stopped }, { Succeeded, Delete, WorkspaceStatus.Deleted },
        { Canceling, Start, WorkspaceStatus.Canceling }, { Canceling, Stop, WorkspaceStatus.Canceling }, { Canceling, Delete, WorkspaceStatus.Canceling },
        { Canceled, Start, WorkspaceStatus.Canceled }, { Canceled, Stop, WorkspaceStatus.Canceled }, { Canceled, Delete, WorkspaceStatus.Canceled },
        { Failed, Start, WorkspaceStatus.Failed }, { Failed, Stop, WorkspaceStatus.Failed }, { Failed, Delete, WorkspaceStatus.Failed },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Workspace_status_follows_the_spec_table(ProvisionerJobStatus job, WorkspaceTransition transition, WorkspaceStatus expected) =>
        Assert.Equal(expected, WorkspaceStatusRules.Derive(job, transition));

    [Fact]
    public void The_table_covers_every_combination() =>
        Assert.Equal(Enum.GetValues<ProvisionerJobStatus>().Length * Enum.GetValues<WorkspaceTransition>().Length, Table.Count);

    [Fact]
    public void Unmatched_values_fall_back_to_failed() =>
        Assert.Equal(WorkspaceStatus.Failed, WorkspaceStatusRules.Derive((ProvisionerJobStatus)99, Start));

    [Fact]
    public void The_status_filter_pairs_are_the_table_read_backwards()
    {
        Assert.Equal(["pending:start", "pending:stop", "pending:delete"], WorkspaceStatusRules.PairsFor(WorkspaceStatus.Pending));
        Assert.Equal(["running:stop"], WorkspaceStatusRules.PairsFor(WorkspaceStatus.Stopping));
        Assert.Equal(["failed:start", "failed:stop", "failed:delete"], WorkspaceStatusRules.PairsFor(WorkspaceStatus.Failed));
    }

    [Theory]
    [InlineData(Pending, true)]
    [InlineData(Running, true)]
    [InlineData(Canceling, true)]
    [InlineData(Succeeded, false)]
    [InlineData(Canceled, false)]
    [InlineData(Failed, false)]
    public void Pending_running_and_canceling_builds_block_another_build(ProvisionerJobStatus job, bool active) =>
        Assert.Equal(active, WorkspaceStatusRules.IsActive(job));
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
