using System.Net.Mail;
using System.Text.RegularExpressions;

namespace Outpost.Sdk.Users;

/// <summary>
/// The field rules of a new user, shared by the server (which decides) and the CLI (which checks
/// each answer as it is typed, so a person is asked again at once with the server's own reason).
/// Each rule answers <see langword="null"/> for a valid value, else the reason, worded to follow
/// the field's name ("username must be …").
/// </summary>
public static partial class UserRules
{
    /// <summary>The shortest password accepted.</summary>
    public const int MinPasswordLength = 8;

    /// <summary>The longest password accepted.</summary>
    public const int MaxPasswordLength = 256;

    /// <summary>The longest display name accepted.</summary>
    public const int MaxNameLength = 128;

    /// <summary>Why <paramref name="value"/> is not a username, or null.</summary>
    public static string? UsernameProblem(string? value) =>
        value is { Length: >= 1 and <= 32 } && UsernamePattern().IsMatch(value)
            ? null
            : "must be 1 to 32 letters or digits, with single hyphens between them (like jane-doe)";

    /// <summary>Why <paramref name="value"/> is not an email address, or null.</summary>
    public static string? EmailProblem(string? value) =>
        IsEmail(value) ? null : "must be a valid email address, like dev@example.com";

    /// <summary>Why <paramref name="value"/> is not an acceptable password, or null.</summary>
    public static string? PasswordProblem(string? value) =>
        value is { Length: >= MinPasswordLength and <= MaxPasswordLength } ? null : $"must be {MinPasswordLength} to {MaxPasswordLength} characters";

    /// <summary>Why <paramref name="value"/> is not a display name, or null.</summary>
    public static string? NameProblem(string? value) =>
        value is { Length: > MaxNameLength } ? $"must be at most {MaxNameLength} characters" : null;

    private static bool IsEmail(string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > 254 || value.Trim() != value)
        {
            return false;
        }

        return MailAddress.TryCreate(value, out var address) && address.Address == value && address.Host.Contains('.', StringComparison.Ordinal);
    }

    [GeneratedRegex("^[a-zA-Z0-9]+(?:-[a-zA-Z0-9]+)*$")]
    private static partial Regex UsernamePattern();
}
