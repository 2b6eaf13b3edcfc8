namespace Outpost.Agent.Transport;

/// <summary>What kind of failure an agent API call met; decides the log line, never whether to retry (the agent always retries).</summary>
internal enum AgentApiFailureKind
{
    /// <summary>The server answered 401: the token is wrong, unknown or belongs to a deleted agent.</summary>
    Unauthorized,

    /// <summary>The server answered with another error status.</summary>
    Rejected,

    /// <summary>No answer: refused, reset, timed out, DNS.</summary>
    Unreachable,
}

/// <summary>An agent API call that did not succeed, as a value.</summary>
internal sealed record AgentApiFailure(AgentApiFailureKind Kind, string Message, int? StatusCode = null)
{
    public static AgentApiFailure Unauthorized(string? detail) => new(
        AgentApiFailureKind.Unauthorized,
        "the server refused the agent token (401)" + (string.IsNullOrEmpty(detail) ? string.Empty : $": {detail}") +
        "; check OUTPOST_AGENT_TOKEN, or rebuild the workspace if the agent was replaced",
        401);

    public override string ToString() => Message;
}

/// <summary>The result of an agent API call: a value or a failure.</summary>
internal readonly record struct AgentApiResult<T>(T? Value, AgentApiFailure? Failure)
    where T : class
{
    public static AgentApiResult<T> Ok(T value) => new(value, null);

    public static AgentApiResult<T> Fail(AgentApiFailure failure) => new(null, failure);
}
