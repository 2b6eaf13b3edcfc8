using Outpost.Sdk.Provisioning;

namespace Outpost.Provisioner.Daemon;

/// <summary>Where a provisioner writes the lines a user reads with the build. Writing never blocks.</summary>
internal interface IJobLog
{
    public void Write(ProvisionerLogLevel level, string stage, string output);
}

internal static class JobLogExtensions
{
    public static void Info(this IJobLog log, string stage, string output) => log.Write(ProvisionerLogLevel.Info, stage, output);

    public static void Warn(this IJobLog log, string stage, string output) => log.Write(ProvisionerLogLevel.Warn, stage, output);

    public static void Error(this IJobLog log, string stage, string output) => log.Write(ProvisionerLogLevel.Error, stage, output);
}
