using System.Reflection;

namespace Outpost.Sdk;

/// <summary>How to run this very <c>outpost</c> executable again: for launching agents and for the commands it writes into other tools' configuration.</summary>
public static class OutpostExecutable
{
    /// <summary>
    /// <c>[ProcessPath]</c> for the published <c>outpost</c> binary; under <c>dotnet outpost.dll</c>
    /// (development, tests) the host is <c>dotnet</c>, so the entry assembly follows it:
    /// <c>[dotnet, outpost.dll]</c>.
    /// </summary>
    public static IReadOnlyList<string> Invocation()
    {
        var processPath = Environment.ProcessPath ?? throw new InvalidOperationException("the path of the running executable is unknown");
        if (!string.Equals(Path.GetFileNameWithoutExtension(processPath), "dotnet", StringComparison.Ordinal))
        {
            return [processPath];
        }

        var entry = Assembly.GetEntryAssembly()?.Location;
        if (string.IsNullOrEmpty(entry))
        {
            throw new InvalidOperationException("running under dotnet, but the entry assembly's path is unknown");
        }

        return [processPath, entry];
    }
}
