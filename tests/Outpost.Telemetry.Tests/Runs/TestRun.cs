using Outpost.Sdk.Tasks;
using Outpost.Telemetry.Runs;

namespace Outpost.Telemetry.Tests.Runs;

/// <summary>A run recording driven by hand: every call takes the next monotonic tick (10 ms apart) unless told.</summary>
internal sealed class TestRun
{
    public static readonly DateTimeOffset Created = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);

    public static readonly RunIdentity Identity = new()
    {
        SessionId = "task-1",
        MessageId = "msg-2",
        ParentMessageId = "msg-1",
        Provider = "openai",
        Model = "gpt-test",
        CreatedAt = Created,
    };

    private double _mono;

    public RunRecording R { get; } = new(Identity, monotonicStartMs: 0);

    public double Now => _mono;

    public DateTimeOffset At => Created.AddMilliseconds(_mono);

    /// <summary>The next tick.</summary>
    public double T() => _mono += 10;

    public string Attempt() => R.BeginAttempt(Created.AddMilliseconds(_mono + 10), T());

    public RunObservability Finalize() => RunSummaryDerivation.Build(R, Created.AddMilliseconds(_mono + 5), _mono + 5);

    public static ErrorFingerprint Reset() => new() { Name = "HttpIOException", Message = "redacted", CauseName = "SocketException", CauseCode = TransportCauseCodes.ConnectionReset };

    public static ErrorFingerprint Refused() => new() { Name = "HttpRequestException", Message = "redacted", CauseCode = TransportCauseCodes.ConnectionRefused };

    /// <summary>A typical run up to a streamed text answer.</summary>
    public string Text()
    {
        var a = Attempt();
        R.ProviderProgress(a, T());
        R.VisibleOutput(a, T(), VisibleOutputKind.Text);
        return a;
    }

    /// <summary>A tool call that materialized (input streamed and completed first).</summary>
    public void Materialize(string attempt, string tool, RunToolEffect? effect)
    {
        R.ProviderProgress(attempt, T());
        R.ToolInputStart(attempt, T(), providerExecuted: false);
        R.ToolInputComplete(attempt, T());
        R.ProviderProgress(attempt, T());
        R.ToolCallMaterialize(attempt, T(), tool, effect, providerExecuted: false);
    }

    public IEnumerable<EvidenceEventType> Types() => R.Evidence.Select(static e => e.EventType);
}
