using Outpost.Sdk;

namespace Outpost.Provisioner.Local;

/// <summary>The command line that runs a workspace agent: by default this very executable's <c>agent</c> verb.</summary>
internal static class AgentLaunchCommand
{
    /// <summary><c>outpost agent</c> as <see cref="OutpostExecutable.Invocation"/> runs it (<c>dotnet outpost.dll agent</c> in development).</summary>
    public static IReadOnlyList<string> Default() => [.. OutpostExecutable.Invocation(), "agent"];
}
