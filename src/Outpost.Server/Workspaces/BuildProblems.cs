using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Outpost.Sdk;
using Outpost.Server.Http;

namespace Outpost.Server.Workspaces;

/// <summary>Maps a <see cref="BuildRefusal"/> to its problem: status and stable code by kind, the refusal's detail as is.</summary>
internal static class BuildProblems
{
    public static ProblemHttpResult ToProblem(this BuildRefusal refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        var (status, code) = refusal.Kind switch
        {
            BuildRefusalKind.Invalid => (StatusCodes.Status400BadRequest, ProblemCodes.ValidationFailed),
            BuildRefusalKind.WorkspaceNotFound => (StatusCodes.Status404NotFound, ProblemCodes.WorkspaceNotFound),
            BuildRefusalKind.WorkspaceExists => (StatusCodes.Status409Conflict, ProblemCodes.WorkspaceExists),
            BuildRefusalKind.Forbidden => (StatusCodes.Status403Forbidden, ProblemCodes.Forbidden),
            BuildRefusalKind.WorkspaceBusy => (StatusCodes.Status409Conflict, ProblemCodes.WorkspaceBusy),
            // A workspace names its template and a build its version in the request body: 400, as before.
            BuildRefusalKind.TemplateNotFound => (StatusCodes.Status400BadRequest, ProblemCodes.TemplateNotFound),
            BuildRefusalKind.NoActiveVersion => (StatusCodes.Status409Conflict, ProblemCodes.TemplateNoActiveVersion),
            BuildRefusalKind.VersionNotFound => (StatusCodes.Status400BadRequest, ProblemCodes.TemplateVersionNotFound),
            BuildRefusalKind.VersionNotReady => (StatusCodes.Status409Conflict, ProblemCodes.TemplateVersionNotReady),
            BuildRefusalKind.InvalidParameters => (StatusCodes.Status400BadRequest, ProblemCodes.InvalidParameters),
            BuildRefusalKind.BuildNotFound => (StatusCodes.Status404NotFound, ProblemCodes.BuildNotFound),
            BuildRefusalKind.BuildNotCancelable => (StatusCodes.Status409Conflict, ProblemCodes.BuildNotCancelable),
            BuildRefusalKind.PresetNotFound => (StatusCodes.Status400BadRequest, ProblemCodes.PresetNotFound),
            BuildRefusalKind.NoTaskAgent => (StatusCodes.Status400BadRequest, ProblemCodes.TemplateNoTaskAgent),
            BuildRefusalKind.TaskNotFound => (StatusCodes.Status404NotFound, ProblemCodes.TaskNotFound),
            _ => throw new ArgumentOutOfRangeException(nameof(refusal), refusal.Kind, "unmapped build refusal"),
        };
        return Problems.Problem(status, Title(status), refusal.Detail, code);
    }

    private static string Title(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "Bad Request",
        StatusCodes.Status403Forbidden => "Forbidden",
        StatusCodes.Status404NotFound => "Not Found",
        _ => "Conflict",
    };
}
