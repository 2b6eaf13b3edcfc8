using Outpost.Sdk.Tasks;

namespace Outpost.Telemetry.Runs;

/// <summary>
/// The safe fingerprint of an exception (run-observability-spec §6.2). The exception is read here and never kept:
/// only type names, stable codes and message buckets leave.
/// </summary>
public static class ErrorFingerprints
{
    /// <summary>
    /// <c>name</c> is the type name (§11.10: the port's deterministic stand-in for a JS error's name), <c>code</c> the
    /// exception's own HTTP error, status or socket error, <c>message</c> its bucket; <c>cause_name</c> and
    /// <c>cause_message</c> come from the inner exception, and <c>cause_code</c> is the stable transport cause of the whole
    /// chain (<see cref="TransportErrorMapper.CauseCode"/>), which is what the derivations read. A cancellation's message
    /// is <c>aborted</c> and a timeout's <c>timeout</c>, whatever .NET's wording.
    /// </summary>
    /// <param name="error">What was thrown; null gives an empty fingerprint.</param>
    /// <returns>The fingerprint; fields that come out empty are null.</returns>
    public static ErrorFingerprint Of(Exception? error)
    {
        if (error is null)
        {
            return new ErrorFingerprint();
        }

        var causeCode = TransportErrorMapper.CauseCode(error);
        var inner = error is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerExceptions[0] : error.InnerException;
        return new ErrorFingerprint
        {
            Name = RunSafeText.LowCardinality(error.GetType().Name),
            Code = RunSafeText.LowCardinality(TransportErrorMapper.OwnCode(error)),
            Message = causeCode switch
            {
                TransportCauseCodes.Cancelled when error is OperationCanceledException => "aborted",
                TransportCauseCodes.Timeout when error is OperationCanceledException or TimeoutException => "timeout",
                _ => RunSafeText.MessageBucket(error.Message),
            },
            CauseName = inner is null ? null : RunSafeText.LowCardinality(inner.GetType().Name),
            CauseCode = RunSafeText.LowCardinality(causeCode),
            CauseMessage = inner is null ? null : RunSafeText.MessageBucket(inner.Message),
        };
    }

    /// <summary>The fingerprint of a bare message (§6.2: a string error has only a message bucket).</summary>
    /// <param name="message">The message; read, never kept.</param>
    /// <returns>The fingerprint.</returns>
    public static ErrorFingerprint OfMessage(string? message) => new() { Message = RunSafeText.MessageBucket(message) };

    /// <summary>
    /// A fingerprint for a failure that is known by its code rather than by an exception (the agent's typed provider
    /// failures): <c>name</c> and <c>cause_code</c> as given, if low-cardinality, and a message bucket.
    /// </summary>
    /// <param name="causeCode">A <see cref="TransportCauseCodes"/> value (or another low-cardinality code).</param>
    /// <param name="name">A low-cardinality name (e.g. <c>ChatFailure.Reset</c>).</param>
    /// <param name="message">A message to bucket; read, never kept.</param>
    /// <returns>The fingerprint.</returns>
    public static ErrorFingerprint ForCause(string? causeCode, string? name = null, string? message = null) => new()
    {
        Name = RunSafeText.LowCardinality(name),
        Message = RunSafeText.MessageBucket(message),
        CauseCode = RunSafeText.LowCardinality(causeCode),
    };

    /// <summary>
    /// Makes a caller-built fingerprint safe: names and codes pass the low-cardinality test, messages are one of
    /// §6.2's buckets (an unknown one becomes <c>redacted</c>).
    /// </summary>
    /// <param name="fingerprint">The fingerprint.</param>
    /// <returns>A safe copy.</returns>
    public static ErrorFingerprint Sanitize(ErrorFingerprint fingerprint)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        return new ErrorFingerprint
        {
            Name = RunSafeText.LowCardinality(fingerprint.Name),
            Code = RunSafeText.LowCardinality(fingerprint.Code),
            Message = Bucket(fingerprint.Message),
            CauseName = RunSafeText.LowCardinality(fingerprint.CauseName),
            CauseCode = RunSafeText.LowCardinality(fingerprint.CauseCode),
            CauseMessage = Bucket(fingerprint.CauseMessage),
        };
    }

    private static string? Bucket(string? message) =>
        message is null ? null : RunSafeText.IsBucket(message) ? message : RunSafeText.MessageBucket(message);
}
