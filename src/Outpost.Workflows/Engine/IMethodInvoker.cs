namespace Outpost.Workflows.Engine;

/// <summary>One model-method invocation a step asks for, its inputs already evaluated.</summary>
internal sealed record MethodCall(
    string WorkflowName, Guid RunId, string JobName, string StepName, string Model, string Method, IReadOnlyDictionary<string, object?> Inputs);

/// <summary>What a method did: outputs for later steps' expressions (<c>steps.&lt;name&gt;.outputs</c>), or why it failed.</summary>
internal sealed record MethodResult(bool Succeeded, IReadOnlyDictionary<string, object?> Outputs, string? Error = null)
{
    public static MethodResult Success(IReadOnlyDictionary<string, object?>? outputs = null) => new(true, outputs ?? new Dictionary<string, object?>());

    public static MethodResult Failure(string error) => new(false, new Dictionary<string, object?>(), error);
}

/// <summary>
/// The engine's boundary to whatever methods do (workspaces, templates, shell commands): the engine
/// decides what runs when; an invoker runs one method. An exception fails the step with its message;
/// cancellation of the token cancels it.
/// </summary>
internal interface IMethodInvoker
{
    public Task<MethodResult> InvokeAsync(MethodCall call, CancellationToken cancellationToken);
}
