using System.Text;

namespace Outpost.TerraformProvider.Resources;

/// <summary>
/// What the provisioner tells the provider about the build, through environment variables (as Coder
/// passes <c>CODER_*</c>): the workspace, its owner, parameter values, user secrets, the AI task.
/// </summary>
internal sealed class ProviderEnvironment(Func<string, string?> variables)
{
    public const string WorkspacePrefix = "OUTPOST_WORKSPACE_";
    public const string WorkspaceId = "OUTPOST_WORKSPACE_ID";
    public const string WorkspaceName = "OUTPOST_WORKSPACE_NAME";
    public const string Transition = "OUTPOST_WORKSPACE_TRANSITION";
    public const string BuildId = "OUTPOST_WORKSPACE_BUILD_ID";
    public const string IsPrebuild = "OUTPOST_WORKSPACE_IS_PREBUILD";
    public const string AccessUrl = "OUTPOST_WORKSPACE_ACCESS_URL";
    public const string TemplateName = "OUTPOST_WORKSPACE_TEMPLATE_NAME";
    public const string TemplateVersion = "OUTPOST_WORKSPACE_TEMPLATE_VERSION";
    public const string OwnerId = "OUTPOST_WORKSPACE_OWNER_ID";
    public const string OwnerName = "OUTPOST_WORKSPACE_OWNER";
    public const string OwnerEmail = "OUTPOST_WORKSPACE_OWNER_EMAIL";
    public const string OwnerFullName = "OUTPOST_WORKSPACE_OWNER_NAME";
    public const string PresetName = "OUTPOST_WORKSPACE_PRESET";
    public const string ParameterPrefix = "OUTPOST_PARAMETER_";
    public const string TaskId = "OUTPOST_TASK_ID";
    public const string TaskPrompt = "OUTPOST_TASK_PROMPT";

    /// <summary>The shell command line of the outpost binary the agent's init script runs (the provider's own, unless set).</summary>
    public const string AgentCommand = "OUTPOST_AGENT_COMMAND";

    public static ProviderEnvironment FromProcess() => new(System.Environment.GetEnvironmentVariable);

    public string? Get(string name) => variables(name) is { Length: > 0 } value ? value : null;

    /// <summary>start, stop or delete; start when the provider runs outside a build (a local plan).</summary>
    public string WorkspaceTransition => Get(Transition) ?? "start";

    /// <summary>True in a real build (the provisioner sets a build id); false on a plain local plan or at import.</summary>
    public bool InBuild => Get(BuildId) is not null;

    /// <summary>The variable a parameter's value arrives in: the prefix and the lowercase hex of the name's UTF-8 bytes.</summary>
    public static string ParameterVariable(string name) => ParameterPrefix + Convert.ToHexStringLower(Encoding.UTF8.GetBytes(name));
}
