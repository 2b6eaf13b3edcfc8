using System.Text.RegularExpressions;

namespace Outpost.Server.Templates;

/// <summary>Names of templates and workspaces: they appear in URLs, host names and directory names.</summary>
internal static partial class NameRules
{
    public const int MaxWorkspaceName = 32;
    public const int MaxTemplateName = 64;

    /// <summary>Null when valid; otherwise what is wrong and what would be accepted.</summary>
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
}
