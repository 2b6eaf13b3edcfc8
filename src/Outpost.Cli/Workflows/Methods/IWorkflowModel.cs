using Outpost.Workflows.Engine;

namespace Outpost.Cli.Workflows.Methods;

/// <summary>One model type of Outpost's workflows (<c>outpost/workspace</c>, …): its methods, their input checks, and running them.</summary>
internal interface IWorkflowModel
{
    public string Type { get; }

    public IReadOnlyList<string> Methods { get; }

    /// <summary>Problems with the call's inputs or driver (the method is one of <see cref="Methods"/>); null when it can run.</summary>
    public string? Check(MethodCall call);

    public Task<MethodResult> InvokeAsync(MethodCall call, MethodHost host, CancellationToken cancellationToken);
}
