using Microsoft.Extensions.Logging;
using Outpost.Sdk.Diagnostics;

namespace Outpost.TerraformProvider.Hosting;

/// <summary>The provider's log events (ids 7300–7349), written to stderr where Terraform collects them.</summary>
internal static partial class ProviderLog
{
    public const string Category = "Outpost.TerraformProvider";

    private const int Base = OutpostEventIds.Terraform + 100;

    [LoggerMessage(EventId = Base, Level = LogLevel.Information, Message = "Serving Terraform plugin protocol 6 on {Address} (TLS {Tls})")]
    public static partial void Serving(ILogger logger, string address, bool tls);

    [LoggerMessage(EventId = Base + 1, Level = LogLevel.Debug, Message = "Configured by Terraform {TerraformVersion}")]
    public static partial void Configured(ILogger logger, string terraformVersion);

    [LoggerMessage(EventId = Base + 2, Level = LogLevel.Debug, Message = "Applied a change to a {TypeName}")]
    public static partial void Applied(ILogger logger, string typeName);

    [LoggerMessage(EventId = Base + 3, Level = LogLevel.Information, Message = "Terraform asked the provider to shut down")]
    public static partial void ShutdownRequested(ILogger logger);

    [LoggerMessage(EventId = Base + 4, Level = LogLevel.Warning, Message = "Terraform (process {ParentId}) is gone without shutting the provider down; the provider stops")]
    public static partial void ParentGone(ILogger logger, int parentId);
}
