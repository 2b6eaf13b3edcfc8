using Outpost.Sdk.Users;
using Outpost.Server.Identity.Authorization;

namespace Outpost.Server.Identity.Users;

/// <summary>Field rules for new users (<see cref="UserRules"/>); every problem is reported at once, keyed by field.</summary>
internal static class UserValidation
{
    public static Dictionary<string, string[]> Validate(CreateUserRequest request, bool roleApplies)
    {
        var errors = new Dictionary<string, string[]>();
        Add(errors, "email", UserRules.EmailProblem(request.Email));
        Add(errors, "username", UserRules.UsernameProblem(request.Username));
        Add(errors, "password", UserRules.PasswordProblem(request.Password));
        Add(errors, "name", UserRules.NameProblem(request.Name));
        if (roleApplies && request.Role is not null && !Roles.IsValid(request.Role))
        {
            errors["role"] = [$"must be one of: {string.Join(", ", Roles.All)}"];
        }

        return errors;
    }

    private static void Add(Dictionary<string, string[]> errors, string field, string? problem)
    {
        if (problem is not null)
        {
            errors[field] = [problem];
        }
    }
}
