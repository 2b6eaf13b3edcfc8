using System.Net.Mail;
using System.Text.RegularExpressions;
using Outpost.Sdk.Users;
using Outpost.Server.Identity.Authorization;

namespace Outpost.Server.Identity.Users;

/// <summary>Field rules for new users; every problem is reported at once, keyed by field.</summary>
internal static partial class UserValidation
{
    public const int MinPasswordLength = 8;
    public const int MaxPasswordLength = 256;

    public static Dictionary<string, string[]> Validate(CreateUserRequest request, bool roleApplies)
    {
        var errors = new Dictionary<string, string[]>();
        if (!IsEmail(request.Email))
        {
            errors["email"] = ["must be a valid email address, like dev@example.com"];
        }

        if (!IsUsername(request.Username))
        {
            errors["username"] = ["must be 1 to 32 letters or digits, with single hyphens between them (like jane-doe)"];
        }

        if (request.Password is null || request.Password.Length < MinPasswordLength || request.Password.Length > MaxPasswordLength)
        {
            errors["password"] = [$"must be {MinPasswordLength} to {MaxPasswordLength} characters"];
        }

        if (request.Name is { Length: > 128 })
        {
            errors["name"] = ["must be at most 128 characters"];
        }

        if (roleApplies && request.Role is not null && !Roles.IsValid(request.Role))
        {
            errors["role"] = [$"must be one of: {string.Join(", ", Roles.All)}"];
        }

        return errors;
    }

    public static bool IsEmail(string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > 254 || value.Trim() != value)
        {
            return false;
        }

        return MailAddress.TryCreate(value, out var address) && address.Address == value && address.Host.Contains('.', StringComparison.Ordinal);
    }

    public static bool IsUsername(string? value) => value is { Length: >= 1 and <= 32 } && UsernamePattern().IsMatch(value);

    [GeneratedRegex("^[a-zA-Z0-9]+(?:-[a-zA-Z0-9]+)*$")]
    private static partial Regex UsernamePattern();
}
