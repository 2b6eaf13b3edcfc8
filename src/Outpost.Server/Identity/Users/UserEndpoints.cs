using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Outpost.Sdk;
using Outpost.Sdk.Users;
using Outpost.Server.Http;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Identity.Authorization;
using Outpost.Server.Identity.Passwords;

namespace Outpost.Server.Identity.Users;

internal static class UserEndpoints
{
    private static readonly PageLimit Paging = new(Default: 100, Max: 500);

    public static RouteGroupBuilder MapUserEndpoints(this RouteGroupBuilder users)
    {
        users.MapGet("/first", static async Task<Results<Ok<string>, ProblemHttpResult>> (UserStore store, CancellationToken cancellationToken) =>
            await store.AnyAsync(cancellationToken).ConfigureAwait(false)
                ? TypedResults.Ok("the first user exists")
                : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No users yet",
                    detail: "this deployment has no users; create the owner with POST /api/v2/users/first (or `outpost login <url>`)", extensions: Problems.Code(ProblemCodes.UserNotFound)))
            .WithName("GetFirstUser").WithSummary("200 when the first user exists, 404 while the deployment has none.").ProducesProblem(StatusCodes.Status404NotFound).AllowAnonymous();

        users.MapPost("/first", static async Task<Results<Created<User>, ValidationProblem, ProblemHttpResult>> (
            CreateUserRequest request, UserStore store, PasswordHasher hasher, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        {
            var errors = UserValidation.Validate(request, roleApplies: false);
            if (errors.Count > 0)
            {
                return TypedResults.ValidationProblem(errors, detail: "the first user is not valid", extensions: Problems.Code(ProblemCodes.ValidationFailed));
            }

            // Anyone may call this endpoint; once an owner exists it must cost nothing, so the
            // expensive password hash never runs for a request that cannot succeed.
            if (await store.AnyAsync(cancellationToken).ConfigureAwait(false))
            {
                return Conflict(CreateUserError.FirstUserExists);
            }

            var (user, error) = await store.CreateAsync(request.Email, request.Username, request.Name ?? string.Empty, Roles.Owner,
                hasher.Hash(request.Password), onlyIfFirst: true, cancellationToken).ConfigureAwait(false);
            if (user is null)
            {
                return Conflict(error);
            }

            IdentityLog.FirstUserCreated(loggers.CreateLogger(IdentityLog.Category), user.Id, user.Username);
            return TypedResults.Created($"/api/v2/users/{user.Id}", user.ToWire());
        }).WithName("CreateFirstUser").DocumentsProblem(StatusCodes.Status409Conflict, ProblemCodes.UserExists).WithSummary("Creates the first user as owner; only while no user exists.").AllowAnonymous();

        users.MapPost("/", static async Task<Results<Created<User>, ValidationProblem, ProblemHttpResult>> (
            CreateUserRequest request, HttpContext http, UserStore store, PasswordHasher hasher, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        {
            var errors = UserValidation.Validate(request, roleApplies: true);
            if (errors.Count > 0)
            {
                return TypedResults.ValidationProblem(errors, detail: "the user is not valid", extensions: Problems.Code(ProblemCodes.ValidationFailed));
            }

            var role = request.Role ?? Roles.Member;
            var callerRole = http.User.FindFirst(IdentityClaims.Role)!.Value;
            if (!Roles.MayGrant(callerRole, role))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: $"your role ({callerRole}) may not create users with the role {role}", extensions: Problems.Code(ProblemCodes.Forbidden));
            }

            var (user, error) = await store.CreateAsync(request.Email, request.Username, request.Name ?? string.Empty, role,
                hasher.Hash(request.Password), onlyIfFirst: false, cancellationToken).ConfigureAwait(false);
            if (user is null)
            {
                return Conflict(error);
            }

            IdentityLog.UserCreated(loggers.CreateLogger(IdentityLog.Category), user.Id, user.Username, role, http.User.GetUserId());
            return TypedResults.Created($"/api/v2/users/{user.Id}", user.ToWire());
        }).WithName("CreateUser").DocumentsProblem(StatusCodes.Status409Conflict, ProblemCodes.UserExists).WithSummary("Creates a user; owners and admins only.").RequirePermission(ResourceType.User, PermissionAction.Create);

        users.MapGet("/", static async Task<Results<Ok<List<User>>, ProblemHttpResult>> (
            HttpContext http, UserStore store, string? after, int? limit, CancellationToken cancellationToken) =>
        {
            if (!http.GetSubject().Can(ResourceType.User, PermissionAction.Read))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: "only template admins, admins and owners may list users", extensions: Problems.Code(ProblemCodes.Forbidden));
            }

            if (Paging.Check(limit, out var pageSize) is { } badLimit)
            {
                return badLimit;
            }

            var page = await store.ListAsync(after, pageSize, cancellationToken).ConfigureAwait(false);
            return TypedResults.Ok(page.ConvertAll(u => u.ToWire()));
        }).WithName("ListUsers").WithSummary("Users by username; page with ?after=<username>&limit=N.").RequirePermission(ResourceType.User, PermissionAction.Read);

        users.MapGet("/me", static async Task<Results<Ok<User>, ProblemHttpResult>> (HttpContext http, UserStore store, CancellationToken cancellationToken) =>
        {
            var user = await store.GetByIdAsync(http.User.GetUserId(), cancellationToken).ConfigureAwait(false);
            return user is null
                ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: "your user no longer exists", extensions: Problems.Code(ProblemCodes.UserNotFound))
                : TypedResults.Ok(user.ToWire());
        }).WithName("GetMe").WithSummary("The signed-in user.").RequireSignedIn();

        return users;
    }

    private static ProblemHttpResult Conflict(CreateUserError error) => TypedResults.Problem(
        statusCode: StatusCodes.Status409Conflict,
        title: "Conflict",
        detail: error switch
        {
            CreateUserError.FirstUserExists => "the first user already exists; log in, or ask an owner to create your user",
            CreateUserError.EmailTaken => "a user with this email already exists",
            _ => "a user with this username already exists",
        },
        extensions: Problems.Code(ProblemCodes.UserExists));
}
