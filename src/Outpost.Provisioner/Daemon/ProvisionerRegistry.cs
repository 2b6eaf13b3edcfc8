using Microsoft.Extensions.Logging;
using Outpost.Provisioner.Local;
using Outpost.Provisioner.Terraform;
using Outpost.Sdk;

namespace Outpost.Provisioner.Daemon;

/// <summary>
/// The provisioners a daemon can run, by the name jobs ask for. A daemon is built with the ones its
/// options name and reports exactly those when it asks for work.
/// </summary>
internal static class ProvisionerRegistry
{
    private static readonly Dictionary<string, Func<ProvisionerDaemonOptions, ILoggerFactory, TimeProvider, IProvisioner>> Factories = new(StringComparer.Ordinal)
    {
        [LocalProvisioner.ProvisionerName] = static (options, loggers, time) => new LocalProvisioner(
            new LocalProvisionerOptions
            {
                WorkspacesDirectory = options.WorkspacesDirectory,
                AgentCommand = AgentCommand(options),
                AccessUrl = options.AccessUrl,
                Sandbox = options.Sandbox,
            },
            loggers.CreateLogger("Outpost.Provisioner.Local"),
            time),
        [TerraformProvisioner.ProvisionerName] = static (options, loggers, _) => new TerraformProvisioner(
            new TerraformProvisionerOptions
            {
                WorkspacesDirectory = options.WorkspacesDirectory,
                TerraformPath = TerraformBinary.Find(System.Environment.GetEnvironmentVariable),
                // The outpost binary: the agent command without its verb.
                OutpostCommand = [.. AgentCommand(options).SkipLast(1)],
                AccessUrl = options.AccessUrl,
            },
            loggers.CreateLogger(TerraformLog.Category)),
    };

    /// <summary>Every provisioner name this build knows.</summary>
    public static IReadOnlyList<string> Names => [.. Factories.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The provisioners <paramref name="options"/> names; an unknown name is an <see cref="ArgumentException"/>.</summary>
    public static IReadOnlyList<IProvisioner> Create(ProvisionerDaemonOptions options, ILoggerFactory loggers, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        var unknown = options.Provisioners.Where(name => !Factories.ContainsKey(name)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException(
                $"unknown provisioner(s): {string.Join(", ", unknown)}; this build runs {string.Join(", ", Names.Select(name => $"\"{name}\""))}", nameof(options));
        }

        return [.. options.Provisioners.Distinct(StringComparer.Ordinal).Select(name => Factories[name](options, loggers, time))];
    }

    /// <summary>The command that runs an agent: the configured one, else this executable's <c>agent</c> verb.</summary>
    private static IReadOnlyList<string> AgentCommand(ProvisionerDaemonOptions options) =>
        options.AgentCommand ?? [.. OutpostExecutable.Invocation(), "agent"];
}
