using System.Collections.Concurrent;
using Outpost.Workflows.Engine;

namespace Outpost.Workflows.Tests.Engine;

/// <summary>
/// The engine's method boundary, implemented in the test: records every call, tracks how many run
/// at once, and does what <see cref="Behaviour"/> says (succeed echoing the inputs by default).
/// </summary>
internal sealed class ScriptedInvoker : IMethodInvoker
{
    private int _active;
    private int _maxActive;

    public ConcurrentQueue<MethodCall> Calls { get; } = new();

    public Func<MethodCall, CancellationToken, Task<MethodResult>> Behaviour { get; set; } =
        (call, _) => Task.FromResult(MethodResult.Success(new Dictionary<string, object?>(call.Inputs) { ["step"] = call.StepName }));

    /// <summary>What the pre-method check says (nothing by default).</summary>
    public Func<MethodCall, string?> CheckBehaviour { get; set; } = _ => null;

    public int MaxActive => Volatile.Read(ref _maxActive);

    /// <summary>The current number of methods running.</summary>
    public int Active => Volatile.Read(ref _active);

    public string? Check(MethodCall call) => CheckBehaviour(call);

    public async Task<MethodResult> InvokeAsync(MethodCall call, CancellationToken cancellationToken)
    {
        Calls.Enqueue(call);
        var active = Interlocked.Increment(ref _active);
        int seen;
        while ((seen = Volatile.Read(ref _maxActive)) < active && Interlocked.CompareExchange(ref _maxActive, active, seen) != seen)
        {
        }

        try
        {
            return await Behaviour(call, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _active);
        }
    }

    public List<string> StepNames() => [.. Calls.Select(call => call.StepName)];
}
