using Microsoft.Extensions.Logging;
using Npgsql;
using Outpost.Sdk.Templates;
using Outpost.Server.Provisionerd;
using Outpost.Server.Pubsub;

namespace Outpost.Server.Prebuilds;

/// <summary>
/// The claim announcement (coder-spec §4's publisher): when a claim build completes successfully,
/// the JSON <see cref="ReinitializationEvent"/> with the new owner goes to
/// <see cref="PrebuiltWorkspaces.ClaimChannel"/>. A lost announcement costs nothing durable: the reinit
/// endpoint checks the database after subscribing.
/// </summary>
internal static class ClaimEvents
{
    /// <summary>Called after a build's completion committed: records its metrics and announces a completed claim.</summary>
    public static async Task OnBuildCompletedAsync(BuildCompletion build, IPubsub pubsub, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(pubsub);
        PrebuildMetrics.RecordCompletion(build);
        if (build is not { Stage: Sdk.Provisioning.PrebuildStage.Claim, Transition: Sdk.Provisioning.WorkspaceTransition.Start, Canceled: false })
        {
            return;
        }

        var payload = new ReinitializationEvent { WorkspaceId = build.WorkspaceId, OwnerId = build.OwnerId, Reason = ReinitializationReason.PrebuildClaimed }.ToJson();
        try
        {
            await pubsub.PublishAsync(PrebuiltWorkspaces.ClaimChannel(build.WorkspaceId), payload, CancellationToken.None).ConfigureAwait(false);
            PrebuildsLog.ClaimPublished(logger, build.WorkspaceId, build.OwnerId);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or InvalidOperationException)
        {
            PubsubMetrics.PublishFailures.Add(1);
            PrebuildsLog.ClaimPublishFailed(logger, build.WorkspaceId, e.Message);
        }
    }
}
