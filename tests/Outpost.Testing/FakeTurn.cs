namespace Outpost.Testing;

/// <summary>
/// One scripted answer of <see cref="FakeChatProvider"/>: what it streams (text chunks, tool calls with their
/// arguments split across chunks), how it finishes (a finish reason and <c>[DONE]</c>), or the fault it plays
/// (a refusal status, a reset mid-stream, a stall, malformed SSE, a stream that ends early). Build with the
/// static starters and chain <c>Then…</c>:
/// <code>FakeTurn.Text("Writing ", "the file.").ThenToolCall("write_file", """{"path":"a.txt","content":"hi"}""")</code>
/// </summary>
public sealed class FakeTurn
{
    private readonly List<FakeStep> _steps = [];
    private int _toolCalls;

    private FakeTurn()
    {
    }

    /// <summary>The status to refuse with before streaming anything; null for 200.</summary>
    internal int? RefusalStatus { get; private set; }

    internal string? RefusalMessage { get; private set; }

    /// <summary>Hold the request without answering (no headers) until the client goes away.</summary>
    internal bool StallsBeforeHeaders { get; private set; }

    internal string? FinishReason { get; private set; }

    internal bool SendsDone { get; private set; } = true;

    internal IReadOnlyList<FakeStep> Steps => _steps;

    internal int ToolCallCount => _toolCalls;

    /// <summary>A turn that streams these text chunks, one <c>data:</c> event each, then finishes with <c>stop</c>.</summary>
    public static FakeTurn Text(params string[] chunks) => new FakeTurn().ThenText(chunks);

    /// <summary>A turn that asks for one tool call (arguments split into <paramref name="pieces"/> chunks), finishing with <c>tool_calls</c>.</summary>
    public static FakeTurn ToolCall(string name, string argumentsJson, int pieces = 3, string? id = null) =>
        new FakeTurn().ThenToolCall(name, argumentsJson, pieces, id);

    /// <summary>A refusal: the status (401, 429, 500, …) with an OpenAI-style error body.</summary>
    public static FakeTurn Refuse(int status, string? message = null) =>
        new() { RefusalStatus = status, RefusalMessage = message ?? $"scripted refusal {status}" };

    /// <summary>Accepts the request and never answers, not even the headers.</summary>
    public static FakeTurn StallBeforeAnswer() => new() { StallsBeforeHeaders = true };

    /// <summary>An empty turn to chain faults on: <c>FakeTurn.Empty().ThenReset()</c>.</summary>
    public static FakeTurn Empty() => new();

    public FakeTurn ThenText(params string[] chunks)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        foreach (var chunk in chunks)
        {
            _steps.Add(new FakeStep(FakeStepKind.Text, chunk));
        }

        return this;
    }

    /// <summary>
    /// A tool call at the next index: the first chunk carries its id and name, the arguments follow in
    /// <paramref name="pieces"/> chunks of about equal size (a split may fall inside a JSON string).
    /// </summary>
    public FakeTurn ThenToolCall(string name, string argumentsJson, int pieces = 3, string? id = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(argumentsJson);
        ArgumentOutOfRangeException.ThrowIfLessThan(pieces, 1);
        var index = _toolCalls++;
        _steps.Add(new FakeStep(FakeStepKind.ToolCallStart, name, index, id ?? $"call_{Guid.NewGuid():N}"));
        var size = Math.Max(1, (int)Math.Ceiling(argumentsJson.Length / (double)pieces));
        for (var start = 0; start < argumentsJson.Length; start += size)
        {
            _steps.Add(new FakeStep(FakeStepKind.ToolCallArguments, argumentsJson.Substring(start, Math.Min(size, argumentsJson.Length - start)), index));
        }

        return this;
    }

    /// <summary>Waits for <paramref name="gate"/> before streaming further (the client sees a quiet stream meanwhile).</summary>
    public FakeTurn ThenWaitFor(Task gate)
    {
        ArgumentNullException.ThrowIfNull(gate);
        _steps.Add(new FakeStep(FakeStepKind.Wait, Gate: gate));
        return this;
    }

    /// <summary>Writes these raw lines as they are (each followed by a newline), e.g. a malformed <c>data:</c> line.</summary>
    public FakeTurn ThenRaw(params string[] lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        _steps.Add(new FakeStep(FakeStepKind.Raw, string.Concat(lines.Select(l => l + "\n"))));
        return this;
    }

    /// <summary>A <c>data:</c> event that is not JSON, then nothing more.</summary>
    public FakeTurn ThenMalformed(string payload = "{\"choices\": [ {\"delta\": ")
    {
        ThenRaw("data: " + payload, string.Empty);
        _steps.Add(new FakeStep(FakeStepKind.Stall));
        return this;
    }

    /// <summary>Aborts the connection after what was streamed so far (the client sees a reset).</summary>
    public FakeTurn ThenReset()
    {
        _steps.Add(new FakeStep(FakeStepKind.Reset));
        return this;
    }

    /// <summary>Stops sending (the connection stays open) until the client goes away.</summary>
    public FakeTurn ThenStall()
    {
        _steps.Add(new FakeStep(FakeStepKind.Stall));
        return this;
    }

    /// <summary>Ends the response cleanly after what was streamed so far: no finish reason, no <c>[DONE]</c>.</summary>
    public FakeTurn ThenEnd()
    {
        _steps.Add(new FakeStep(FakeStepKind.End));
        return this;
    }

    /// <summary>The finish reason of the last chunk (default: <c>tool_calls</c> when the turn calls tools, else <c>stop</c>).</summary>
    public FakeTurn FinishWith(string reason)
    {
        FinishReason = reason;
        return this;
    }

    /// <summary>Finishes with a finish reason but never sends <c>[DONE]</c>.</summary>
    public FakeTurn WithoutDone()
    {
        SendsDone = false;
        return this;
    }
}

internal enum FakeStepKind
{
    Text,
    ToolCallStart,
    ToolCallArguments,
    Wait,
    Raw,
    Reset,
    Stall,
    End,
}

internal sealed record FakeStep(FakeStepKind Kind, string? Value = null, int Index = 0, string? Id = null, Task? Gate = null);
