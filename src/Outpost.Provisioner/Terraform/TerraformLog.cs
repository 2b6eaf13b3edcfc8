using Microsoft.Extensions.Logging;
using Outpost.Sdk.Diagnostics;

namespace Outpost.Provisioner.Terraform;

/// <summary>The terraform provisioner's log events (ids 7220–7299).</summary>
internal static partial class TerraformLog
{
    public const string Category = "Outpost.Provisioner.Terraform";

    private const int Base = OutpostEventIds.Terraform + 20;

    [LoggerMessage(EventId = Base, Level = LogLevel.Information, Message = "terraform {Stage} for workspace {WorkspaceId} finished with exit code {ExitCode} in {ElapsedSeconds:0.0} s")]
    public static partial void StageFinished(ILogger logger, string stage, Guid workspaceId, int exitCode, double elapsedSeconds);

    [LoggerMessage(EventId = Base + 1, Level = LogLevel.Warning, Message = "terraform {Stage} is being stopped ({Reason}); SIGINT sent to pid {Pid}")]
    public static partial void Interrupting(ILogger logger, string stage, string reason, int pid);

    [LoggerMessage(EventId = Base + 2, Level = LogLevel.Warning, Message = "terraform {Stage} did not stop within {GraceSeconds} s of SIGINT; killing pid {Pid}")]
    public static partial void Killing(ILogger logger, string stage, double graceSeconds, int pid);

    [LoggerMessage(EventId = Base + 3, Level = LogLevel.Warning, Message = "No usable terraform: {Reason}")]
    public static partial void Unavailable(ILogger logger, string reason);
}
