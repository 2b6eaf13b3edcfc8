using System.Text.Json;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Templates;
using Outpost.Server.Database;
using Outpost.Server.ProvisionerJobs;

namespace Outpost.Server.Templates;

/// <summary>SQL for templates and their versions.</summary>
internal sealed class TemplateStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    private const string TemplateColumns = "t.id, t.name, t.description, t.provisioner, t.active_version_id, t.created_at, t.updated_at";

    private const string VersionSelect = $"""
        SELECT v.id, v.template_id, v.name, v.file_hash, v.readme, v.parameters, v.resources, v.created_at,
               t.active_version_id IS NOT DISTINCT FROM v.id, {JobStore.JobColumns}, v.presets, v.modules_file_hash
        FROM template_versions v
        JOIN templates t ON t.id = v.template_id
        JOIN provisioner_jobs j ON j.id = v.job_id
        """;

    /// <summary>Creates a template; null when the name is taken.</summary>
    public async Task<Template?> CreateAsync(string name, string description, string provisioner, Guid createdBy, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        await using var command = dataSource.CreateCommand("""
            INSERT INTO templates (id, name, description, provisioner, created_by, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $6)
            """);
        command.With(id).With(name).With(description).With(provisioner).With(createdBy).With(now);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return null;
        }

        return new Template { Id = id, Name = name, Description = description, Provisioner = provisioner, CreatedAt = now, UpdatedAt = now };
    }

    public async Task<List<Template>> ListAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {TemplateColumns} FROM templates t ORDER BY lower(t.name)");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var templates = new List<Template>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            templates.Add(ReadTemplate(reader));
        }

        return templates;
    }

    /// <summary>A template by id or (case-insensitive) name; when there is none, a message that suggests close names.</summary>
    public async Task<(Template? Template, string? Missing)> FindAsync(string idOrName, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {TemplateColumns} FROM templates t WHERE t.id::text = $1 OR lower(t.name) = lower($1)
            """);
        command.With(idOrName);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return (ReadTemplate(reader), null);
            }
        }

        var names = (await ListAsync(cancellationToken).ConfigureAwait(false)).ConvertAll(t => t.Name);
        return (null, names.Count == 0
            ? $"there is no template \"{idOrName}\"; there are no templates yet: push one with `outpost templates push <name>`"
            : $"there is no template \"{idOrName}\"{NameSuggestions.DidYouMean(idOrName, names)}");
    }

    /// <summary>Queues the import of a new version; null when the name is taken within the template.</summary>
    public async Task<TemplateVersion?> CreateVersionAsync(Template template, string fileHash, string? name, Guid createdBy, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var versionId = Guid.CreateVersion7(now);
        var jobId = Guid.CreateVersion7(now);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await JobStore.InsertJobAsync(transaction, jobId, ProvisionerJobType.TemplateVersionImport, template.Provisioner, fileHash, createdBy, now, cancellationToken).ConfigureAwait(false);
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO template_versions (id, template_id, name, file_hash, job_id, created_by, created_at)
            VALUES ($1, $2, COALESCE($3, 'v' || (SELECT count(*) + 1 FROM template_versions WHERE template_id = $2)), $4, $5, $6, $7)
            """, connection, transaction))
        {
            insert.With(versionId).With(template.Id).With(name).With(fileHash).With(jobId).With(createdBy).With(now);
            try
            {
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                return null;
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return await GetVersionAsync(versionId, cancellationToken).ConfigureAwait(false);
    }

    public async Task<TemplateVersion?> GetVersionAsync(Guid versionId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"{VersionSelect} WHERE v.id = $1");
        command.With(versionId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadVersion(reader) : null;
    }

    public async Task<List<TemplateVersion>> ListVersionsAsync(Guid templateId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"{VersionSelect} WHERE v.template_id = $1 ORDER BY v.created_at, v.id");
        command.With(templateId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var versions = new List<TemplateVersion>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            versions.Add(ReadVersion(reader));
        }

        return versions;
    }

    /// <summary>Activates a version of the template and changes the description; the caller has checked the version.</summary>
    public async Task UpdateAsync(Guid templateId, Guid? activeVersionId, string? description, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE templates SET active_version_id = COALESCE($2, active_version_id), description = COALESCE($3, description), updated_at = $4
            WHERE id = $1
            """);
        command.With(templateId).With(activeVersionId).With(description).With(time.GetUtcNow());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What a build needs of a template version (its template, provisioner, file, import status and parameters); null when there is none.</summary>
    public async Task<BuildableVersion?> GetBuildableVersionAsync(Guid versionId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT v.id, v.name, t.id, t.name, t.provisioner, v.file_hash, v.job_id, v.parameters, v.presets
            FROM template_versions v JOIN templates t ON t.id = v.template_id
            WHERE v.id = $1
            """);
        command.With(versionId);
        BuildableVersion version;
        Guid jobId;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            jobId = reader.GetGuid(6);
            version = new BuildableVersion(reader.GetGuid(0), reader.GetString(1), reader.GetGuid(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
                ProvisionerJobStatus.Pending, JsonSerializer.Deserialize(reader.GetString(7), OutpostJsonContext.Default.ListTemplateVersionParameter) ?? [])
            {
                Presets = JsonSerializer.Deserialize(reader.GetString(8), OutpostJsonContext.Default.ListTemplateVersionPreset) ?? [],
            };
        }

        // The import job's status comes from its store: a version is buildable once its import succeeded.
        var status = await JobStore.GetStatusAsync(dataSource, jobId, cancellationToken).ConfigureAwait(false);
        return version with { ImportStatus = status ?? throw new InvalidOperationException($"Template version {versionId} has no import job.") };
    }

    /// <summary>The statement that records what an import found, for the completing transaction's batch.</summary>
    public static NpgsqlBatchCommand RecordImportCommand(
        Guid jobId, IEnumerable<TemplateVersionParameter> parameters, List<ProvisionedResource> resources, string readme,
        string? modulesFileHash, IEnumerable<TemplateVersionPreset> presets) =>
        CommandExtensions.Batch("""
            UPDATE template_versions SET parameters = $2, resources = $3, readme = $4, modules_file_hash = $5, presets = $6
            WHERE job_id = $1
            """, jobId)
            .WithJson(JsonSerializer.Serialize(parameters.ToList(), OutpostJsonContext.Default.ListTemplateVersionParameter))
            .WithJson(JsonSerializer.Serialize(resources, OutpostJsonContext.Default.ListProvisionedResource))
            .With(readme)
            .With(modulesFileHash)
            .WithJson(JsonSerializer.Serialize(presets.ToList(), OutpostJsonContext.Default.ListTemplateVersionPreset));

    /// <summary>
    /// True when the version's import found an <c>outpost_ai_task</c> resource (a local template's
    /// <c>task:</c> block, or the Terraform resource): tasks may use it (docs/tasks.md).
    /// </summary>
    public static async Task<bool> HasTaskAgentAsync(NpgsqlTransaction transaction, Guid versionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        await using var command = new NpgsqlCommand(
            "SELECT EXISTS (SELECT 1 FROM template_versions v, jsonb_array_elements(v.resources) r WHERE v.id = $1 AND r->>'type' = 'outpost_ai_task')",
            transaction.Connection, transaction);
        command.With(versionId);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
    }

    private static Template ReadTemplate(NpgsqlDataReader reader) => new()
    {
        Id = reader.GetGuid(0),
        Name = reader.GetString(1),
        Description = reader.GetString(2),
        Provisioner = reader.GetString(3),
        ActiveVersionId = reader.GetNullable<Guid>(4),
        CreatedAt = reader.GetFieldValue<DateTimeOffset>(5),
        UpdatedAt = reader.GetFieldValue<DateTimeOffset>(6),
    };

    private static TemplateVersion ReadVersion(NpgsqlDataReader reader) => new()
    {
        Id = reader.GetGuid(0),
        TemplateId = reader.GetGuid(1),
        Name = reader.GetString(2),
        FileHash = reader.GetString(3),
        Readme = reader.GetString(4),
        Parameters = JsonSerializer.Deserialize(reader.GetString(5), OutpostJsonContext.Default.ListTemplateVersionParameter) ?? [],
        Resources = JsonSerializer.Deserialize(reader.GetString(6), OutpostJsonContext.Default.ListProvisionedResource) ?? [],
        CreatedAt = reader.GetFieldValue<DateTimeOffset>(7),
        Active = reader.GetBoolean(8),
        Job = JobStore.ReadJob(reader, 9),
        Presets = JsonSerializer.Deserialize(reader.GetString(9 + JobStore.JobColumnCount), OutpostJsonContext.Default.ListTemplateVersionPreset) ?? [],
        ModulesFileHash = reader.GetNullableString(10 + JobStore.JobColumnCount),
    };

    /// <summary>
    /// The presets of <paramref name="versionId"/>, or (null) of every template's active version, with
    /// their template and whether the version is active (docs/prebuilds.md).
    /// </summary>
    public async Task<List<(Guid TemplateId, string TemplateName, Guid VersionId, bool Active, TemplateVersionPreset Preset)>> ListPresetsAsync(
        Guid? versionId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT t.id, t.name, v.id, t.active_version_id IS NOT DISTINCT FROM v.id, v.presets
            FROM template_versions v JOIN templates t ON t.id = v.template_id
            WHERE ($1::uuid IS NULL AND t.active_version_id = v.id) OR v.id = $1
            ORDER BY lower(t.name)
            """);
        command.With(versionId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var presets = new List<(Guid, string, Guid, bool, TemplateVersionPreset)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (var preset in JsonSerializer.Deserialize(reader.GetString(4), OutpostJsonContext.Default.ListTemplateVersionPreset) ?? [])
            {
                presets.Add((reader.GetGuid(0), reader.GetString(1), reader.GetGuid(2), reader.GetBoolean(3), preset));
            }
        }

        return presets;
    }
}
