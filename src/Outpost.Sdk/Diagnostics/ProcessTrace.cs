using System.Diagnostics;

namespace Outpost.Sdk.Diagnostics;

/// <summary>
/// A trace handed from one process to the next through the environment: the W3C
/// <c>TRACEPARENT</c> variable (the OpenTelemetry convention for environment carriers) that the
/// daemon gives terraform and the agents it starts, and the agent gives its scripts.
/// </summary>
public static class ProcessTrace
{
    /// <summary>The environment variable a child process reads its parent span from.</summary>
    public const string Variable = "TRACEPARENT";

    /// <summary>
    /// Sets <see cref="Variable"/> in a child's environment to the current span, or removes one the
    /// parent inherited, so a child never continues a stale trace.
    /// </summary>
    public static void Apply(IDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } current)
        {
            environment[Variable] = current.Id;
        }
        else
        {
            environment.Remove(Variable);
        }
    }

    /// <summary>The context a process was started under; default (a new trace) when there is none or it does not parse.</summary>
    public static ActivityContext Inherited(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return ActivityContext.TryParse(environment(Variable), null, isRemote: true, out var parent) ? parent : default;
    }
}
