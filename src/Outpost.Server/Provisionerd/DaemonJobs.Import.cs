using Npgsql;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Files;

namespace Outpost.Server.Provisionerd;

/// <summary>What an import must name before it is recorded: a modules archive the daemon stored first.</summary>
internal sealed partial class DaemonJobs
{
    /// <summary>A modules archive that names no stored file is refused: the daemon uploads it (<c>POST files</c>) first.</summary>
    private static async Task<DaemonJobOutcome?> ImportRefusalAsync(NpgsqlTransaction transaction, TemplateImportResult import, CancellationToken cancellationToken) =>
        import.ModulesFileHash is not { } hash || await FileStore.ExistsAsync(transaction, hash, cancellationToken).ConfigureAwait(false)
            ? null
            : new DaemonJobOutcome(DaemonJobRefusal.Invalid, $"modules_file_hash {hash} names no stored file; upload the archive with POST files first");
}
