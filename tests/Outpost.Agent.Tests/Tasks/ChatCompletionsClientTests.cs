using System.Net;
using System.Net.Sockets;
using Outpost.Agent.Tasks;
using Outpost.Testing;

namespace Outpost.Agent.Tests.Tasks;

public sealed class ChatCompletionsClientTests : IAsyncLifetime
{
    private const string Key = "sk-test-0123456789abcdef";
    private static readonly TimeSpan Stall = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _clock = new();
    private FakeChatProvider _provider = null!;
    private ChatCompletionsClient _client = null!;

    public async Task InitializeAsync()
    {
        _provider = await FakeChatProvider.StartAsync(apiKey: Key);
        _client = new ChatCompletionsClient(_provider.BaseUrl, Key, _clock) { StallTimeout = Stall };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _provider.DisposeAsync();
    }

    [Fact]
    public async Task Text_streams_in_order_and_tool_calls_split_across_chunks_are_assembled_by_index()
    {
        _provider.Enqueue(FakeTurn.Text("Let me ", "look.")
            .ThenToolCall("read_file", """{"path":"src/a b.txt"}""", pieces: 4, id: "call_1")
            .ThenToolCall("run_command", """{"command":"echo \"hi\" && ls -la"}""", pieces: 5, id: "call_2"));
        var deltas = new List<string>();

        var result = await _client.StreamAsync(Request("hello"), (text, _) => { deltas.Add(text); return ValueTask.CompletedTask; }, CancellationToken.None).WithTimeout();

        Assert.Null(result.Failure);
        var turn = result.Turn!;
        Assert.Equal(["Let me ", "look."], deltas);
        Assert.Equal("Let me look.", turn.Text);
        Assert.Equal("tool_calls", turn.FinishReason);
        Assert.Collection(turn.ToolCalls,
            c => Assert.Equal(("call_1", "read_file", """{"path":"src/a b.txt"}"""), (c.Id, c.Function.Name, c.Function.Arguments)),
            c => Assert.Equal(("call_2", "run_command", """{"command":"echo \"hi\" && ls -la"}"""), (c.Id, c.Function.Name, c.Function.Arguments)));
        var request = Assert.Single(_provider.Requests);
        Assert.Equal("Bearer " + Key, request.Authorization);
        Assert.True(request.Stream);
        Assert.Equal("test-model", request.Model);
        Assert.Equal("hello", request.Last.Content);
        Assert.DoesNotContain(Key, request.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(401)]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(503)]
    public async Task A_refusal_is_a_value_with_the_providers_status(int status)
    {
        _provider.Enqueue(FakeTurn.Refuse(status, $"refused, key {Key} is not welcome"));

        var failure = await FailAsync();

        Assert.Equal(ChatFailureKind.Refused, failure.Kind);
        Assert.Equal(status, failure.StatusCode);
        Assert.Contains($"answered {status}", failure.Message, StringComparison.Ordinal);
        Assert.Contains("is not welcome", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_key_is_refused_with_401()
    {
        using var client = new ChatCompletionsClient(_provider.BaseUrl, "sk-wrong-key-000", _clock);

        var result = await client.StreamAsync(Request("hi"), static (_, _) => ValueTask.CompletedTask, CancellationToken.None).WithTimeout();

        Assert.Equal((ChatFailureKind.Refused, 401), (result.Failure!.Kind, result.Failure.StatusCode));
    }

    [Fact]
    public async Task A_connection_reset_mid_stream_is_a_reset()
    {
        _provider.Enqueue(FakeTurn.Text("half an ans").ThenReset());

        var failure = await FailAsync();

        Assert.Equal(ChatFailureKind.Reset, failure.Kind);
    }

    [Fact]
    public async Task A_stream_that_ends_before_a_finish_reason_ended_early()
    {
        _provider.Enqueue(FakeTurn.Text("half").ThenToolCall("read_file", """{"path":"a"}""").ThenEnd());

        var failure = await FailAsync();

        Assert.Equal(ChatFailureKind.EndedEarly, failure.Kind);
        Assert.Contains("before a finish reason", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stream_with_a_finish_reason_but_no_done_ended_early()
    {
        _provider.Enqueue(FakeTurn.Text("all of it").WithoutDone());

        var failure = await FailAsync();

        Assert.Equal(ChatFailureKind.EndedEarly, failure.Kind);
        Assert.Contains("[DONE]", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_chunk_that_is_not_json_is_malformed()
    {
        _provider.Enqueue(FakeTurn.Text("ok so far").ThenMalformed());

        var failure = await FailAsync();

        Assert.Equal(ChatFailureKind.Malformed, failure.Kind);
    }

    [Fact]
    public async Task A_line_that_is_not_server_sent_events_is_malformed()
    {
        _provider.Enqueue(FakeTurn.Empty().ThenRaw("<html>gateway error</html>", string.Empty).ThenStall());

        var failure = await FailAsync();

        Assert.Equal(ChatFailureKind.Malformed, failure.Kind);
        Assert.Contains("<html>", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_provider_that_never_answers_stalls_on_the_clock()
    {
        _provider.Enqueue(FakeTurn.StallBeforeAnswer());
        var call = _client.StreamAsync(Request("hi"), static (_, _) => ValueTask.CompletedTask, CancellationToken.None);
        await _provider.WaitForRequestAsync(1).WithTimeout();

        _clock.Advance(Stall - TimeSpan.FromSeconds(1));
        Assert.False(call.IsCompleted);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var result = await call.WithTimeout();

        Assert.Equal(ChatFailureKind.Stalled, result.Failure!.Kind);
        await _provider.WaitForAbortAsync(1).WithTimeout();
    }

    [Fact]
    public async Task A_stream_that_goes_quiet_stalls_counting_from_its_last_bytes()
    {
        _provider.Enqueue(FakeTurn.Text("first").ThenStall());
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _clock.Advance(TimeSpan.FromSeconds(20));
        var call = _client.StreamAsync(Request("hi"), (text, _) => { first.TrySetResult(); return ValueTask.CompletedTask; }, CancellationToken.None);
        await _provider.WaitForRequestAsync(1).WithTimeout();
        _clock.Advance(TimeSpan.FromSeconds(20));
        await first.Task.WithTimeout();

        // The bytes reset the timer: 20 s more are not a stall, 30 s from the last bytes are.
        _clock.Advance(TimeSpan.FromSeconds(20));
        Assert.False(call.IsCompleted);
        _clock.Advance(TimeSpan.FromSeconds(10));
        var result = await call.WithTimeout();

        Assert.Equal(ChatFailureKind.Stalled, result.Failure!.Kind);
        Assert.Contains("30 s", result.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bytes_restart_the_stall_timer()
    {
        var second = new TaskCompletionSource();
        var finish = new TaskCompletionSource();
        _provider.Enqueue(FakeTurn.Text("first").ThenWaitFor(second.Task).ThenText("second").ThenWaitFor(finish.Task));
        var seen = new List<string>();
        var secondSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var call = _client.StreamAsync(Request("hi"), (text, _) =>
        {
            seen.Add(text);
            if (text == "second")
            {
                secondSeen.TrySetResult();
            }

            return ValueTask.CompletedTask;
        }, CancellationToken.None);
        await _provider.WaitForRequestAsync(1).WithTimeout();

        _clock.Advance(TimeSpan.FromSeconds(25));
        second.SetResult();
        await secondSeen.Task.WithTimeout();
        _clock.Advance(TimeSpan.FromSeconds(25));
        finish.SetResult();
        var result = await call.WithTimeout();

        // 50 s in all, but never 30 s without bytes.
        Assert.Null(result.Failure);
        Assert.Equal(["first", "second"], seen);
    }

    [Fact]
    public async Task A_provider_nobody_listens_for_is_unreachable()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var client = new ChatCompletionsClient(new Uri($"http://127.0.0.1:{port}/v1"), Key, _clock);

        var result = await client.StreamAsync(Request("hi"), static (_, _) => ValueTask.CompletedTask, CancellationToken.None).WithTimeout();

        Assert.Equal(ChatFailureKind.Unreachable, result.Failure!.Kind);
        Assert.DoesNotContain(Key, result.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Canceling_throws_and_abandons_the_stream()
    {
        _provider.Enqueue(FakeTurn.Text("thinking").ThenStall());
        using var cancel = new CancellationTokenSource();
        var call = _client.StreamAsync(Request("hi"), (_, _) => { cancel.Cancel(); return ValueTask.CompletedTask; }, cancel.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WithTimeout());
        await _provider.WaitForAbortAsync(1).WithTimeout();
    }

    private async Task<ChatFailure> FailAsync()
    {
        var result = await _client.StreamAsync(Request("hi"), static (_, _) => ValueTask.CompletedTask, CancellationToken.None).WithTimeout();
        Assert.Null(result.Turn);
        return result.Failure!;
    }

    private static ChatRequest Request(string prompt) => new() { Model = "test-model", Messages = [ChatMessage.User(prompt)] };
}
