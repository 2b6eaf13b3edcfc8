using System.Text.Json;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Database;

namespace Outpost.Server.Provisionerd;

/// <summary>What an import records beyond parameters and resources: the modules archive and the presets.</summary>
internal sealed partial class DaemonJobs
{
    /// <summary>A modules archive that names no stored file is refused: the daemon uploads it (<c>POST files</c>) first.</summary>
    private static async Task<DaemonJobOutcome?> ImportRefusalAsync(NpgsqlTransaction transaction, TemplateImportResult import, CancellationToken cancellationToken)
    {
        if (import.ModulesFileHash is not { } hash)
        {
            return null;
        }

        await using var exists = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM files WHERE hash = $1)", transaction.Connection, transaction);
        exists.With(hash);
        return (bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!
            ? null
            : new DaemonJobOutcome(DaemonJobRefusal.Invalid, $"modules_file_hash {hash} names no stored file; upload the archive with POST files first");
    }

    /// <summary>The version's modules archive and presets, when the import reported any.</summary>
    private static NpgsqlBatchCommand? ImportExtras(Guid jobId, TemplateImportResult import)
    {
        if (import.ModulesFileHash is null && import.Presets.Count == 0)
        {
            return null;
        }

        var command = Command("UPDATE template_versions SET modules_file_hash = $2, presets = $3 WHERE job_id = $1", jobId, import.ModulesFileHash);
        AddJson(command, JsonSerializer.Serialize(import.Presets.ToList(), OutpostJsonContext.Default.ListTemplateVersionPreset));
        return command;
    }
}
