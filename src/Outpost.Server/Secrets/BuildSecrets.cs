using Microsoft.Extensions.Logging;
using Npgsql;
using Outpost.Sdk.Provisioning;

namespace Outpost.Server.Secrets;

/// <summary>
/// What a claimed job carries of secrets (seed 003): a start build gets its owner's secrets, with
/// values; a stop or delete build and an import never do, so deleting a secret cannot make a
/// workspace unstoppable. Loading them can fail (the database, a key this server lacks); the job
/// must then fail, never run without them.
/// </summary>
internal sealed class BuildSecrets(UserSecretStore store, SecretProtector protector, ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger(SecretsLog.Category);

    /// <summary>The job as the daemon gets it: with the owner's secrets on a start build, its previous state decrypted. Null plus a reason when they could not be loaded.</summary>
    public async Task<(AcquiredJob? Job, string? Failure)> PrepareAsync(AcquiredJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.WorkspaceBuild is not { } build)
        {
            return (job, null);
        }

        try
        {
            build = build with { PreviousState = protector.UnprotectState(build.PreviousState) };
            if (build.Transition == WorkspaceTransition.Start)
            {
                build = build with { UserSecrets = await store.ListForBuildAsync(build.OwnerId, cancellationToken).ConfigureAwait(false) };
                SecretsLog.Attached(_logger, job.JobId, build.UserSecrets.Count);
            }

            return (job with { WorkspaceBuild = build }, null);
        }
        catch (Exception ex) when (ex is NpgsqlException or SecretDecryptionException && !cancellationToken.IsCancellationRequested)
        {
            var reason = ex is PostgresException postgres ? postgres.MessageText : ex.Message;
            SecretsLog.LoadFailed(_logger, job.JobId, reason);
            return (null, $"the build could not load its owner's secrets or provisioner state, so it did not run: {reason}");
        }
    }

    /// <summary>A build result as it is stored: its provisioner state encrypted.</summary>
    public CompleteJobRequest Protect(CompleteJobRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.WorkspaceBuild is { } result
            ? request with { WorkspaceBuild = result with { State = protector.ProtectState(result.State) } }
            : request;
    }
}
