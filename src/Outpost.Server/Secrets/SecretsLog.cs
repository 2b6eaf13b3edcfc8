using Microsoft.Extensions.Logging;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Server.Secrets;

/// <summary>User secrets' log messages (4600–4699). They name secrets and keys by id or name, never a value.</summary>
internal static partial class SecretsLog
{
    public const string Category = "Outpost.Server.Secrets";

    [LoggerMessage(EventId = OutpostEventIds.Secrets + 1, Level = LogLevel.Information, Message = "User {UserId} created secret {SecretName}")]
    public static partial void Created(ILogger logger, Guid userId, string secretName);

    [LoggerMessage(EventId = OutpostEventIds.Secrets + 2, Level = LogLevel.Information, Message = "User {UserId} updated secret {SecretName} (value changed: {ValueChanged})")]
    public static partial void Updated(ILogger logger, Guid userId, string secretName, bool valueChanged);

    [LoggerMessage(EventId = OutpostEventIds.Secrets + 3, Level = LogLevel.Information, Message = "User {UserId} deleted secret {SecretName}")]
    public static partial void Deleted(ILogger logger, Guid userId, string secretName);

    [LoggerMessage(EventId = OutpostEventIds.Secrets + 4, Level = LogLevel.Information, Message = "Job {JobId} carries {Count} secret(s) of its owner to the plan step")]
    public static partial void Attached(ILogger logger, Guid jobId, int count);

    [LoggerMessage(EventId = OutpostEventIds.Secrets + 5, Level = LogLevel.Error, Message = "Job {JobId} failed: its owner's secrets could not be loaded: {Reason}")]
    public static partial void LoadFailed(ILogger logger, Guid jobId, string reason);

    [LoggerMessage(EventId = OutpostEventIds.Secrets + 6, Level = LogLevel.Information, Message = "Re-encrypted {Secrets} secret(s), {States} provisioner state(s) and {AgentEnvironments} agent environment(s) under key {KeyId}")]
    public static partial void Rotated(ILogger logger, int secrets, int states, int agentEnvironments, string keyId);

    [LoggerMessage(EventId = OutpostEventIds.Secrets + 7, Level = LogLevel.Information, Message = "Encrypted {Count} agent environment(s) stored in plaintext by an earlier version")]
    public static partial void EnvironmentsEncrypted(ILogger logger, int count);
}
