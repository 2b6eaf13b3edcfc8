using System.Text.Json;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Templates;
using Outpost.Sdk.Workspaces;
using Outpost.Server.Database;

namespace Outpost.Server.ProvisionerJobs;

/// <summary>
/// The column lists that queries select and the readers that map them, so every query that returns a
/// job, build or workspace agrees on one shape. None of them touches provisioner state.
/// </summary>
internal static class JobRows
{
    /// <summary>10 columns of <c>provisioner_jobs j</c>.</summary>
    public const string JobColumns =
        "j.id, j.type, j.job_status, j.created_at, j.started_at, j.canceled_at, j.completed_at, j.error, j.error_code, j.worker_name";

    /// <summary>9 columns of <c>workspace_builds b</c>.</summary>
    public const string BuildColumns =
        "b.id, b.workspace_id, b.build_number, b.transition, b.reason, b.template_version_id, b.initiator_id, b.parameters, b.created_at";

    /// <summary>9 columns of <c>workspaces w</c> with its owner <c>u</c> and template <c>t</c>.</summary>
    public const string WorkspaceColumns =
        "w.id, w.name, w.owner_id, u.username, w.template_id, t.name, w.created_at, w.updated_at, w.deleted";

    /// <summary>A workspace with its latest build and that build's job, in that column order.</summary>
    public const string WorkspaceSelect = $"""
        SELECT {WorkspaceColumns}, {BuildColumns}, {JobColumns}
        FROM workspaces w
        JOIN users u ON u.id = w.owner_id
        JOIN templates t ON t.id = w.template_id
        JOIN LATERAL (SELECT * FROM workspace_builds lb WHERE lb.workspace_id = w.id ORDER BY lb.build_number DESC LIMIT 1) b ON true
        JOIN provisioner_jobs j ON j.id = b.job_id
        """;

    public const int JobColumnCount = 10;
    public const int BuildColumnCount = 9;
    public const int WorkspaceColumnCount = 9;

    public static ProvisionerJob ReadJob(NpgsqlDataReader reader, int at) => new()
    {
        Id = reader.GetGuid(at),
        Type = WireName<ProvisionerJobType>.Parse(reader.GetString(at + 1)),
        Status = WireName<ProvisionerJobStatus>.Parse(reader.GetString(at + 2)),
        CreatedAt = reader.GetFieldValue<DateTimeOffset>(at + 3),
        StartedAt = reader.GetNullable<DateTimeOffset>(at + 4),
        CanceledAt = reader.GetNullable<DateTimeOffset>(at + 5),
        CompletedAt = reader.GetNullable<DateTimeOffset>(at + 6),
        Error = reader.GetNullableString(at + 7),
        ErrorCode = reader.GetNullableString(at + 8),
        WorkerName = reader.GetNullableString(at + 9),
    };

    /// <summary>Reads a build at <paramref name="at"/> whose job follows at <paramref name="jobAt"/>.</summary>
    public static WorkspaceBuild ReadBuild(NpgsqlDataReader reader, int at, int jobAt)
    {
        var job = ReadJob(reader, jobAt);
        var transition = WireName<WorkspaceTransition>.Parse(reader.GetString(at + 3));
        return new WorkspaceBuild
        {
            Id = reader.GetGuid(at),
            WorkspaceId = reader.GetGuid(at + 1),
            BuildNumber = reader.GetInt32(at + 2),
            Transition = transition,
            Reason = WireName<BuildReason>.Parse(reader.GetString(at + 4)),
            TemplateVersionId = reader.GetGuid(at + 5),
            InitiatorId = reader.GetNullable<Guid>(at + 6),
            Parameters = JsonSerializer.Deserialize(reader.GetString(at + 7), OutpostJsonContext.Default.ListParameterValue) ?? [],
            CreatedAt = reader.GetFieldValue<DateTimeOffset>(at + 8),
            Job = job,
            Status = StatusRules.WorkspaceStatusOf(job.Status, transition),
        };
    }

    /// <summary>Reads a row of <see cref="WorkspaceSelect"/>.</summary>
    public static Workspace ReadWorkspace(NpgsqlDataReader reader)
    {
        var build = ReadBuild(reader, WorkspaceColumnCount, WorkspaceColumnCount + BuildColumnCount);
        return new Workspace
        {
            Id = reader.GetGuid(0),
            Name = reader.GetString(1),
            OwnerId = reader.GetGuid(2),
            OwnerName = reader.GetString(3),
            TemplateId = reader.GetGuid(4),
            TemplateName = reader.GetString(5),
            CreatedAt = reader.GetFieldValue<DateTimeOffset>(6),
            UpdatedAt = reader.GetFieldValue<DateTimeOffset>(7),
            Deleted = reader.GetBoolean(8),
            LatestBuild = build,
            Status = build.Status,
        };
    }

    public static ProvisionerJobLog ReadLog(NpgsqlDataReader reader, int at) => new()
    {
        Id = reader.GetInt64(at),
        CreatedAt = reader.GetFieldValue<DateTimeOffset>(at + 1),
        Level = WireName<ProvisionerLogLevel>.Parse(reader.GetString(at + 2)),
        Source = WireName<ProvisionerLogSource>.Parse(reader.GetString(at + 3)),
        Stage = reader.GetString(at + 4),
        Output = reader.GetString(at + 5),
    };
}
