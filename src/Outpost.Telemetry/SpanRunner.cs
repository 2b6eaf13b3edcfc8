namespace Outpost.Telemetry;

/// <summary>
/// Runs a body inside a span with the result rules of spec §2.5: a normal return resolves the
/// marks, a throw emits <c>error</c> and rethrows the same exception. A null span (telemetry could
/// not start one) runs the body untraced.
/// </summary>
internal static class SpanRunner
{
    public static T Run<T>(TelemetrySpan? span, Func<ITelemetrySpan, T> body)
    {
        if (span is null)
        {
            return body(NoopTelemetrySpan.Instance);
        }

        T value;
        try
        {
            value = body(span);
        }
        catch (Exception exception)
        {
            span.Complete(exception);
            throw;
        }

        span.Complete(null);
        return value;
    }

    public static void Run(TelemetrySpan? span, Action<ITelemetrySpan> body)
    {
        if (span is null)
        {
            body(NoopTelemetrySpan.Instance);
            return;
        }

        try
        {
            body(span);
        }
        catch (Exception exception)
        {
            span.Complete(exception);
            throw;
        }

        span.Complete(null);
    }

    public static async Task<T> RunAsync<T>(TelemetrySpan? span, Func<ITelemetrySpan, CancellationToken, Task<T>> body, CancellationToken cancellationToken)
    {
        if (span is null)
        {
            return await body(NoopTelemetrySpan.Instance, cancellationToken).ConfigureAwait(false);
        }

        T value;
        try
        {
            value = await body(span, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            span.Complete(exception);
            throw;
        }

        span.Complete(null);
        return value;
    }

    public static async Task RunAsync(TelemetrySpan? span, Func<ITelemetrySpan, CancellationToken, Task> body, CancellationToken cancellationToken)
    {
        if (span is null)
        {
            await body(NoopTelemetrySpan.Instance, cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            await body(span, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            span.Complete(exception);
            throw;
        }

        span.Complete(null);
    }
}
