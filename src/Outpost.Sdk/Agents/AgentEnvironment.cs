namespace Outpost.Sdk.Agents;

/// <summary>
/// The environment variables Outpost sets for a workspace agent and the processes it starts: the
/// one place their names are spelt. Templates may not define any name with <see cref="Prefix"/>.
/// </summary>
public static class AgentEnvironment
{
    /// <summary>The prefix of every variable Outpost sets.</summary>
    public const string Prefix = "OUTPOST_";

    /// <summary>Set by the provisioner: where a launched agent finds the server.</summary>
    public const string AgentUrl = "OUTPOST_AGENT_URL";

    /// <summary>Set by the provisioner: the launched agent's token; the agent removes it before it starts anything.</summary>
    public const string AgentToken = "OUTPOST_AGENT_TOKEN";

    /// <summary>
    /// Set by the provisioner: a 0600 file holding the launched agent's token, which the agent reads and
    /// deletes at start so nothing it starts can read the token back.
    /// </summary>
    public const string AgentTokenFile = "OUTPOST_AGENT_TOKEN_FILE";

    /// <summary>Set by the provisioner for the agent, and by the agent for its scripts: the agent's name.</summary>
    public const string AgentName = "OUTPOST_AGENT_NAME";

    /// <summary>
    /// Optional, for the agent: the port of the workspace's SSH server on 127.0.0.1 that <c>ssh</c> sessions
    /// (<c>outpost ssh --stdio</c>) reach; 22 when unset.
    /// </summary>
    public const string AgentSshPort = "OUTPOST_AGENT_SSH_PORT";

    /// <summary>
    /// Optional, for the agent: <c>IP:PORT</c> where it accepts direct connections (port 0: any free port), or <c>off</c>.
    /// The local provisioner sets <c>127.0.0.1:0</c>; unset elsewhere, so sessions use the relay only.
    /// </summary>
    public const string AgentDirectAddress = "OUTPOST_AGENT_DIRECT_ADDRESS";

    /// <summary>Set by the agent for its scripts: the agent's id.</summary>
    public const string AgentId = "OUTPOST_AGENT_ID";

    /// <summary>Set by the agent for its scripts: the workspace's id.</summary>
    public const string WorkspaceId = "OUTPOST_WORKSPACE_ID";

    /// <summary>Set by the agent for its scripts: the workspace's name.</summary>
    public const string WorkspaceName = "OUTPOST_WORKSPACE_NAME";

    /// <summary>Set by the agent for its scripts: the workspace owner's username.</summary>
    public const string WorkspaceOwner = "OUTPOST_WORKSPACE_OWNER";

    /// <summary>Set by the local provisioner: one variable per template parameter, <c>OUTPOST_PARAM_&lt;NAME&gt;</c>.</summary>
    public const string ParameterPrefix = "OUTPOST_PARAM_";
}
