namespace Outpost.Provisioner.Local;

/// <summary>Where things are inside a local workspace directory. <c>.outpost</c> is Outpost's; the rest is the user's.</summary>
internal static class LocalLayout
{
    public const string MetadataDirectoryName = ".outpost";

    public static string MetadataDirectory(string workspace) => Path.Join(workspace, MetadataDirectoryName);

    /// <summary>The template's files, replaced on every start, so scripts can use them.</summary>
    public static string TemplateDirectory(string workspace) => Path.Join(workspace, MetadataDirectoryName, "template");

    public static string LogsDirectory(string workspace) => Path.Join(workspace, MetadataDirectoryName, "logs");

    public static string AgentLogFile(string workspace, string agent) => Path.Join(LogsDirectory(workspace), agent + ".log");

    /// <summary>A directory of the agent's own (0700, the workspace user's), for its token file.</summary>
    public static string AgentPrivateDirectory(string workspace, string agent) => Path.Join(workspace, MetadataDirectoryName, "agents", agent);

    /// <summary>Holds a starting agent's token until the agent reads and deletes it.</summary>
    public static string AgentTokenFile(string workspace, string agent) => Path.Join(AgentPrivateDirectory(workspace, agent), "token");

    public static string ProcessesFile(string workspace) => Path.Join(workspace, MetadataDirectoryName, "processes.json");
}
