using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Outpost.Sdk;

namespace Outpost.Server.Http;

/// <summary>Problem-details answers with a detail a user can act on and a stable <c>code</c> (<see cref="ProblemCodes"/>).</summary>
internal static class Problems
{
    /// <summary>The problem-details extension member that carries the code.</summary>
    public const string CodeMember = "code";

    public static ProblemHttpResult BadRequest(string detail, string code = ProblemCodes.ValidationFailed) =>
        Problem(StatusCodes.Status400BadRequest, "Bad Request", detail, code);

    /// <summary>A 400 about one request field, named in the problem's <c>field</c> member as the invalid-request handler does.</summary>
    public static ProblemHttpResult BadField(string field, string detail, string code = ProblemCodes.InvalidRequest) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad Request", detail: detail,
            extensions: new Dictionary<string, object?> { [CodeMember] = code, ["field"] = field });

    public static ProblemHttpResult NotFound(string detail, string code = ProblemCodes.NotFound) =>
        Problem(StatusCodes.Status404NotFound, "Not Found", detail, code);

    public static ProblemHttpResult Conflict(string detail, string code = ProblemCodes.Conflict) =>
        Problem(StatusCodes.Status409Conflict, "Conflict", detail, code);

    public static ProblemHttpResult Forbidden(string detail, string code = ProblemCodes.Forbidden) =>
        Problem(StatusCodes.Status403Forbidden, "Forbidden", detail, code);

    public static ProblemHttpResult Unauthorized(string detail, string code = ProblemCodes.Unauthorized) =>
        Problem(StatusCodes.Status401Unauthorized, "Unauthorized", detail, code);

    public static ProblemHttpResult TooLarge(string detail, string code = ProblemCodes.PayloadTooLarge) =>
        Problem(StatusCodes.Status413PayloadTooLarge, "Payload Too Large", detail, code);

    public static ProblemHttpResult Unprocessable(string detail, string code = ProblemCodes.Unprocessable) =>
        Problem(StatusCodes.Status422UnprocessableEntity, "Unprocessable Entity", detail, code);

    /// <summary>The extensions that carry <paramref name="code"/>, for <c>TypedResults.Problem</c> and <c>ValidationProblem</c>.</summary>
    public static Dictionary<string, object?> Code(string code) => new() { [CodeMember] = code };

    public static ProblemHttpResult Problem(int status, string title, string detail, string? code = null) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail,
            extensions: new Dictionary<string, object?> { [CodeMember] = code ?? ProblemCodes.ForStatus(status) });

    /// <summary>
    /// Gives every problem the server writes a code: the one its writer chose, else
    /// <see cref="ProblemCodes.ValidationFailed"/> for field errors, else the generic code of its status.
    /// Registered with <c>AddProblemDetails</c>, so framework answers (404 routes, 405, binding
    /// failures, exceptions, authentication challenges) carry one too.
    /// </summary>
    public static void AddCode(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var problem = context.ProblemDetails;
        if (problem.Extensions.TryGetValue(CodeMember, out var existing) && existing is string { Length: > 0 })
        {
            return;
        }

        var status = problem.Status ?? context.HttpContext.Response.StatusCode;
        problem.Extensions[CodeMember] = problem is HttpValidationProblemDetails && status == StatusCodes.Status400BadRequest
            ? ProblemCodes.ValidationFailed
            : ProblemCodes.ForStatus(status);
    }

    /// <summary>Writes a problem with a code outside an endpoint (authentication handlers, middleware).</summary>
    public static Task WriteAsync(HttpContext context, int status, string title, string detail, string code)
    {
        ArgumentNullException.ThrowIfNull(context);
        var problems = context.RequestServices.GetService(typeof(IProblemDetailsService)) as IProblemDetailsService
            ?? throw new InvalidOperationException("AddProblemDetails was not called.");
        var details = new ProblemDetails { Status = status, Title = title, Detail = detail };
        details.Extensions[CodeMember] = code;
        return problems.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = details }).AsTask();
    }
}
