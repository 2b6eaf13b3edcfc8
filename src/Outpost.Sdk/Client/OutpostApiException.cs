namespace Outpost.Sdk.Client;

/// <summary>The server answered with an error status; <see cref="Exception.Message"/> is its explanation.</summary>
public class OutpostApiException : Exception
{
    /// <summary>Creates an exception for an error answer.</summary>
    public OutpostApiException(int statusCode, string message, ApiProblem? problem = null)
        : base(message)
    {
        StatusCode = statusCode;
        Problem = problem;
    }

    /// <summary>The HTTP status code.</summary>
    public int StatusCode { get; }

    /// <summary>The problem details the server sent, if any.</summary>
    public ApiProblem? Problem { get; }

    /// <summary>The problem's stable code (<see cref="ProblemCodes"/>), or null when the answer carried none.</summary>
    public string? Code => Problem?.Code;
}

/// <summary>The OAuth 2.0 token endpoint refused a grant (RFC 6749 §5.2).</summary>
public sealed class OutpostOAuthException : OutpostApiException
{
    /// <summary>Creates an exception for an OAuth error answer.</summary>
    public OutpostOAuthException(int statusCode, string error, string? description)
        : base(statusCode, description is null ? error : $"{error}: {description}")
    {
        Error = error;
        Description = description;
    }

    /// <summary>The RFC 6749 error code, e.g. <c>invalid_grant</c>.</summary>
    public string Error { get; }

    /// <summary>The server's explanation.</summary>
    public string? Description { get; }

    /// <summary>True when only a new login can help (the grant is invalid, expired, revoked or reused).</summary>
    public bool RequiresLogin => Error == "invalid_grant";
}
