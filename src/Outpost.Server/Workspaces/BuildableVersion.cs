using System.Text.Json;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Database;

namespace Outpost.Server.Workspaces;

/// <summary>What a build needs to know about the template version it builds.</summary>
internal sealed record BuildableVersion(
    Guid Id, string Name, Guid TemplateId, string TemplateName, string Provisioner, string FileHash,
    ProvisionerJobStatus ImportStatus, IReadOnlyList<TemplateVersionParameter> Parameters)
{
    public static async Task<BuildableVersion?> LoadAsync(NpgsqlDataSource dataSource, Guid versionId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT v.id, v.name, t.id, t.name, t.provisioner, v.file_hash, j.job_status, v.parameters
            FROM template_versions v JOIN templates t ON t.id = v.template_id JOIN provisioner_jobs j ON j.id = v.job_id
            WHERE v.id = $1
            """);
        command.With(versionId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new BuildableVersion(reader.GetGuid(0), reader.GetString(1), reader.GetGuid(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
            WireName<ProvisionerJobStatus>.Parse(reader.GetString(6)),
            JsonSerializer.Deserialize(reader.GetString(7), OutpostJsonContext.Default.ListTemplateVersionParameter) ?? []);
    }
}
