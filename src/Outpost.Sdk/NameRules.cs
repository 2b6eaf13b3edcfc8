using System.Text.RegularExpressions;

namespace Outpost.Sdk;

/// <summary>
/// The names Outpost accepts, checked the same way by the CLI, the server and the provisioners:
/// templates and workspaces (they appear in URLs, host names and directory names), agents,
/// parameters and environment variables.
/// </summary>
public static partial class NameRules
{
    /// <summary>The longest workspace name.</summary>
    public const int MaxWorkspaceName = 32;

    /// <summary>The longest template name.</summary>
    public const int MaxTemplateName = 64;

    /// <summary>The longest parameter name in a template.</summary>
    public const int MaxTemplateItemName = 64;

    /// <summary>The longest DNS label (agent and app names).</summary>
    public const int MaxLabelLength = 63;

    /// <summary>The prefix of the environment variables Outpost itself sets; templates may not define them.</summary>
    public const string ReservedEnvPrefix = Agents.AgentEnvironment.Prefix;

    /// <summary>Checks a template or workspace name.</summary>
    /// <param name="name">The name, or null.</param>
    /// <param name="maxLength">The limit for this kind of name.</param>
    /// <param name="what">What is named, for the message ("workspace", "template").</param>
    /// <returns>Null when valid; otherwise what is wrong and what would be accepted.</returns>
    public static string? Check(string? name, int maxLength, string what)
    {
        if (string.IsNullOrEmpty(name))
        {
            return $"a {what} name is required";
        }

        if (name.Length > maxLength)
        {
            return $"the {what} name \"{name}\" is {name.Length} characters long; the limit is {maxLength}";
        }

        return Valid().IsMatch(name)
            ? null
            : $"the {what} name \"{name}\" is not valid: use lowercase letters, digits and single hyphens, starting and ending with a letter or digit (for example \"{Suggest(name)}\")";
    }

    /// <summary>Whether <paramref name="name"/> is a DNS label, as agent and app names must be: lowercase letters, digits and single hyphens inside, at most <see cref="MaxLabelLength"/> long.</summary>
    /// <param name="name">The name.</param>
    /// <returns>Whether it is valid.</returns>
    public static bool IsLabel(string name) => name.Length <= MaxLabelLength && Label().IsMatch(name);

    /// <summary>Whether <paramref name="name"/> is a valid parameter name: lowercase letters, digits and underscores, starting with a letter, at most <see cref="MaxTemplateItemName"/> long.</summary>
    /// <param name="name">The name.</param>
    /// <returns>Whether it is valid.</returns>
    public static bool IsParameterName(string name) => name.Length <= MaxTemplateItemName && ParameterName().IsMatch(name);

    /// <summary>Whether <paramref name="name"/> is a valid environment variable name: letters, digits and <c>_</c>, not starting with a digit.</summary>
    /// <param name="name">The name.</param>
    /// <returns>Whether it is valid (reserved names are a separate check, <see cref="IsReservedEnvName"/>).</returns>
    public static bool IsEnvName(string name) => EnvName().IsMatch(name);

    /// <summary>Whether <paramref name="name"/> is one Outpost sets itself (<see cref="ReservedEnvPrefix"/>).</summary>
    /// <param name="name">The name.</param>
    /// <returns>Whether it is reserved.</returns>
    public static bool IsReservedEnvName(string name) => name.StartsWith(ReservedEnvPrefix, StringComparison.Ordinal);

    private static string Suggest(string name)
    {
        var cleaned = Invalid().Replace(name.ToLowerInvariant(), "-");
        cleaned = Hyphens().Replace(cleaned, "-").Trim('-');
        return cleaned.Length == 0 ? "my-workspace" : cleaned;
    }

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex Valid();

    [GeneratedRegex("[^a-z0-9]")]
    private static partial Regex Invalid();

    [GeneratedRegex("-{2,}")]
    private static partial Regex Hyphens();

    [GeneratedRegex("^[a-z0-9](?:-?[a-z0-9])*$", RegexOptions.CultureInvariant)]
    private static partial Regex Label();

    [GeneratedRegex("^[a-z][a-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex ParameterName();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex EnvName();
}
