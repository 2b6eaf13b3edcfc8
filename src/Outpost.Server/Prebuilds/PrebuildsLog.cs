using Microsoft.Extensions.Logging;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Server.Prebuilds;

/// <summary>Prebuilt workspaces' log events (the 4800 block; the agent's side is 4850–4899).</summary>
internal static partial class PrebuildsLog
{
    public const string Category = "Outpost.Server.Prebuilds";

    [LoggerMessage(EventId = OutpostEventIds.Prebuilds + 1, Level = LogLevel.Information, Message = "Prebuilt workspace {WorkspaceId} claimed as {WorkspaceName} by {UserId} (template {TemplateName}, preset {PresetName}) in {ElapsedMs} ms")]
    public static partial void Claimed(ILogger logger, Guid workspaceId, string workspaceName, Guid userId, string templateName, string presetName, double elapsedMs);

    [LoggerMessage(EventId = OutpostEventIds.Prebuilds + 2, Level = LogLevel.Information, Message = "No ready prebuilt workspace of template {TemplateName}, preset {PresetName}: building a new workspace")]
    public static partial void NothingToClaim(ILogger logger, string templateName, string presetName);

    [LoggerMessage(EventId = OutpostEventIds.Prebuilds + 3, Level = LogLevel.Information, Message = "Prebuild reconcile pass: {Created} created, {Deleted} deleted, {Refused} refused")]
    public static partial void Reconciled(ILogger logger, int created, int deleted, int refused);

    [LoggerMessage(EventId = OutpostEventIds.Prebuilds + 4, Level = LogLevel.Warning, Message = "Prebuilds of template {TemplateName}, preset {PresetName} keep failing ({Failures} in a row): backing off until {RetryAt}")]
    public static partial void BackingOff(ILogger logger, string templateName, string presetName, int failures, DateTimeOffset retryAt);

    [LoggerMessage(EventId = OutpostEventIds.Prebuilds + 5, Level = LogLevel.Error, Message = "Prebuilds of template {TemplateName}, preset {PresetName} (version {VersionId}) failed {Failures} times in a row: no more are tried until a new version is activated")]
    public static partial void Stopped(ILogger logger, string templateName, string presetName, Guid versionId, int failures);

    [LoggerMessage(EventId = OutpostEventIds.Prebuilds + 6, Level = LogLevel.Error, Message = "Prebuild reconcile pass failed; the next pass retries")]
    public static partial void ReconcileFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = OutpostEventIds.Prebuilds + 7, Level = LogLevel.Warning, Message = "Prebuild reconciler could not {Action} for template {TemplateName}, preset {PresetName}: {Detail}")]
    public static partial void ActionRefused(ILogger logger, string action, string templateName, string presetName, string detail);

    [LoggerMessage(EventId = OutpostEventIds.Prebuilds + 8, Level = LogLevel.Debug, Message = "Another replica holds the prebuild reconciler's lock; this pass does nothing")]
    public static partial void NotLeader(ILogger logger);

    [LoggerMessage(EventId = OutpostEventIds.Prebuilds + 9, Level = LogLevel.Information, Message = "Claim of workspace {WorkspaceId} by {OwnerId} completed; its agents are told to reinitialise")]
    public static partial void ClaimPublished(ILogger logger, Guid workspaceId, Guid ownerId);

    [LoggerMessage(EventId = OutpostEventIds.Prebuilds + 10, Level = LogLevel.Warning, Message = "failed to publish workspace claim event for workspace {WorkspaceId}: {Error}; agents still reinitialise through the durable check")]
    public static partial void ClaimPublishFailed(ILogger logger, Guid workspaceId, string error);

    [LoggerMessage(EventId = OutpostEventIds.Prebuilds + 11, Level = LogLevel.Information, Message = "Agent {AgentId} of workspace {WorkspaceId} told to reinitialise for owner {OwnerId} ({Source})")]
    public static partial void ReinitSent(ILogger logger, Guid agentId, Guid workspaceId, Guid ownerId, string source);

    [LoggerMessage(EventId = OutpostEventIds.Prebuilds + 12, Level = LogLevel.Debug, Message = "Agent {AgentId} asked for reinitialisation, but workspace {WorkspaceId} was not created as a prebuild (409)")]
    public static partial void NotAPrebuild(ILogger logger, Guid agentId, Guid workspaceId);
}
