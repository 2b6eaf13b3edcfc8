using System.Reflection;

namespace Outpost.Provisioner.Local;

/// <summary>The command line that runs a workspace agent: by default this very executable's <c>agent</c> verb.</summary>
internal static class AgentLaunchCommand
{
    /// <summary>
    /// <c>&lt;ProcessPath&gt; agent</c> for the published <c>outpost</c> binary; under <c>dotnet outpost.dll</c>
    /// (development, tests) the host is <c>dotnet</c>, so the entry assembly is passed to it:
    /// <c>dotnet &lt;entry assembly&gt; agent</c>.
    /// </summary>
    public static IReadOnlyList<string> Default()
    {
        var processPath = System.Environment.ProcessPath ?? throw new InvalidOperationException("the path of the running executable is unknown");
        var host = Path.GetFileNameWithoutExtension(processPath);
        if (string.Equals(host, "dotnet", StringComparison.Ordinal))
        {
            var entry = Assembly.GetEntryAssembly()?.Location;
            if (string.IsNullOrEmpty(entry))
            {
                throw new InvalidOperationException("running under dotnet, but the entry assembly's path is unknown");
            }

            return [processPath, entry, "agent"];
        }

        return [processPath, "agent"];
    }
}
