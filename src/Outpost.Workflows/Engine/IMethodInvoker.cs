namespace Outpost.Workflows.Engine;

/// <summary>One model-method invocation a step asks for, its inputs already evaluated.</summary>
internal sealed record MethodCall(
    string WorkflowName, Guid RunId, string JobName, string StepName, string Model, string Method, IReadOnlyDictionary<string, object?> Inputs)
{
    /// <summary>Where the method runs (spec §9.9): <c>local</c>, or <c>workspace:&lt;name&gt;</c> for shell commands.</summary>
    public string Driver { get; init; } = Drivers.Local;

    /// <summary>The step's data output names with their <c>vary</c> suffixes (spec §9.10); empty without <c>dataOutputOverrides</c>.</summary>
    public IReadOnlyList<string> DataNames { get; init; } = [];

    /// <summary>Lines the method prints (its commands' output, progress): the run's log, never the run record.</summary>
    public Action<string> Output { get; init; } = static _ => { };
}

/// <summary>What a method did: outputs for later steps' expressions (<c>steps.&lt;name&gt;.outputs</c>), or why it failed.</summary>
internal sealed record MethodResult(bool Succeeded, IReadOnlyDictionary<string, object?> Outputs, string? Error = null)
{
    public static MethodResult Success(IReadOnlyDictionary<string, object?>? outputs = null) => new(true, outputs ?? new Dictionary<string, object?>());

    public static MethodResult Failure(string error, IReadOnlyDictionary<string, object?>? outputs = null) => new(false, outputs ?? new Dictionary<string, object?>(), error);
}

/// <summary>
/// The engine's boundary to whatever methods do (workspaces, templates, shell commands): the engine
/// decides what runs when; an invoker runs one method. An exception fails the step with its message;
/// cancellation of the token cancels it.
/// </summary>
internal interface IMethodInvoker
{
    /// <summary>
    /// Why <paramref name="call"/> cannot run (an unknown model or method, listing the known ones; inputs
    /// the method does not take or lacks; a driver it does not support), checked before the method
    /// starts; null when it can.
    /// </summary>
    public string? Check(MethodCall call) => null;

    public Task<MethodResult> InvokeAsync(MethodCall call, CancellationToken cancellationToken);
}

/// <summary>The drivers (spec §9.9, Outpost's names): <c>local</c> runs in this process or on this machine; <c>workspace:&lt;name&gt;</c> runs a shell command inside a workspace.</summary>
internal static class Drivers
{
    public const string Local = "local";

    public const string WorkspacePrefix = "workspace:";

    /// <summary>The workspace a <c>workspace:&lt;name&gt;</c> driver names; null for any other driver.</summary>
    public static string? Workspace(string driver) =>
        driver.StartsWith(WorkspacePrefix, StringComparison.Ordinal) && driver.Length > WorkspacePrefix.Length ? driver[WorkspacePrefix.Length..] : null;

    /// <summary>Null when <paramref name="driver"/> is one Outpost knows, else why not.</summary>
    public static string? Problem(string driver) =>
        driver == Local || Workspace(driver) is not null ? null : $"unknown driver \"{driver}\": use {Local} or {WorkspacePrefix}<workspace>";
}
