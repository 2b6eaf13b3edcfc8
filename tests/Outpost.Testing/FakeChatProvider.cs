using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Outpost.Testing;

/// <summary>
/// An OpenAI-compatible chat-completions provider on loopback (the true boundary of the task agent): each
/// <c>POST /v1/chat/completions</c> plays the next <see cref="FakeTurn"/> given to <see cref="Enqueue"/> as a
/// server-sent-event stream, and is recorded (<see cref="Requests"/>) with its Authorization header and body.
/// A request with no turn left is answered 500 "no scripted turn left" so a test fails loudly, not by hanging.
/// <code>
/// await using var provider = await FakeChatProvider.StartAsync(apiKey: "sk-test");
/// provider.Enqueue(FakeTurn.ToolCall("run_command", """{"command":"ls"}"""), FakeTurn.Text("Done."));
/// // point the agent at provider.BaseUrl …
/// var second = await provider.WaitForRequestAsync(2);
/// </code>
/// </summary>
public sealed class FakeChatProvider : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<FakeTurn> _turns = new();
    private readonly List<FakeChatRequest> _requests = [];
    private readonly List<(int Count, TaskCompletionSource<FakeChatRequest> Seen)> _requestWaiters = [];
    private readonly List<(int Count, TaskCompletionSource Seen)> _abortWaiters = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly string? _apiKey;
    private int _aborted;

    private FakeChatProvider(WebApplication app, string? apiKey)
    {
        _app = app;
        _apiKey = apiKey;
    }

    /// <summary>The base URL to configure (<c>http://127.0.0.1:port/v1</c>); requests go to <c>{BaseUrl}/chat/completions</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>The requests received so far, in order.</summary>
    public IReadOnlyList<FakeChatRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>How many streams the client abandoned before the turn was played out (a stop, a stall timeout, a cancel).</summary>
    public int Aborted => Volatile.Read(ref _aborted);

    /// <summary>Turns not yet played.</summary>
    public int PendingTurns => _turns.Count;

    /// <summary>Starts on 127.0.0.1 and a free port; with <paramref name="apiKey"/>, a request without <c>Bearer {apiKey}</c> gets 401.</summary>
    public static async Task<FakeChatProvider> StartAsync(string? apiKey = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var provider = new FakeChatProvider(app, apiKey);
        app.MapPost("/v1/chat/completions", provider.ServeAsync);
        await app.StartAsync();
        provider.BaseUrl = new Uri(app.Urls.First().TrimEnd('/') + "/v1");
        return provider;
    }

    /// <summary>Adds turns, played one per request in order.</summary>
    public FakeChatProvider Enqueue(params FakeTurn[] turns)
    {
        ArgumentNullException.ThrowIfNull(turns);
        foreach (var turn in turns)
        {
            _turns.Enqueue(turn);
        }

        return this;
    }

    /// <summary>Completes with request number <paramref name="count"/> (from 1) once it has arrived (before its turn plays).</summary>
    public Task<FakeChatRequest> WaitForRequestAsync(int count)
    {
        lock (_gate)
        {
            if (_requests.Count >= count)
            {
                return Task.FromResult(_requests[count - 1]);
            }

            var seen = new TaskCompletionSource<FakeChatRequest>(TaskCreationOptions.RunContinuationsAsynchronously);
            _requestWaiters.Add((count, seen));
            return seen.Task;
        }
    }

    /// <summary>Completes once <paramref name="count"/> streams were abandoned by the client.</summary>
    public Task WaitForAbortAsync(int count = 1)
    {
        lock (_gate)
        {
            if (_aborted >= count)
            {
                return Task.CompletedTask;
            }

            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _abortWaiters.Add((count, seen));
            return seen.Task;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    private async Task ServeAsync(HttpContext http)
    {
        string body;
        using (var reader = new StreamReader(http.Request.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync(http.RequestAborted);
        }

        var request = FakeChatRequest.Parse(http.Request.Headers.Authorization.ToString(), body);
        Record(request);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, _stopping.Token);
        try
        {
            await PlayAsync(http, request, linked.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && http.RequestAborted.IsCancellationRequested)
        {
            Abandoned();
        }
    }

    private async Task PlayAsync(HttpContext http, FakeChatRequest request, CancellationToken token)
    {
        if (_apiKey is not null && request.Authorization != "Bearer " + _apiKey)
        {
            await RefuseAsync(http, 401, "Incorrect API key provided.", token);
            return;
        }

        if (!_turns.TryDequeue(out var turn))
        {
            await RefuseAsync(http, 500, "fake provider: no scripted turn left", token);
            return;
        }

        if (turn.RefusalStatus is { } status)
        {
            await RefuseAsync(http, status, turn.RefusalMessage!, token);
            return;
        }

        if (turn.StallsBeforeHeaders)
        {
            await Task.Delay(Timeout.Infinite, token);
            return;
        }

        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        await http.Response.StartAsync(token);
        var id = $"chatcmpl-{Guid.NewGuid():N}";
        await WriteChunkAsync(http, id, request.Model, new JsonObject { ["role"] = "assistant", ["content"] = string.Empty }, null, token);
        foreach (var step in turn.Steps)
        {
            switch (step.Kind)
            {
                case FakeStepKind.Text:
                    await WriteChunkAsync(http, id, request.Model, new JsonObject { ["content"] = step.Value }, null, token);
                    break;
                case FakeStepKind.ToolCallStart:
                    await WriteChunkAsync(http, id, request.Model, ToolCallDelta(step.Index, step.Id, step.Value, string.Empty), null, token);
                    break;
                case FakeStepKind.ToolCallArguments:
                    await WriteChunkAsync(http, id, request.Model, ToolCallDelta(step.Index, null, null, step.Value!), null, token);
                    break;
                case FakeStepKind.Wait:
                    await step.Gate!.WaitAsync(token);
                    break;
                case FakeStepKind.Raw:
                    await WriteAsync(http, step.Value!, token);
                    break;
                case FakeStepKind.Reset:
                    http.Abort();
                    return;
                case FakeStepKind.Stall:
                    await Task.Delay(Timeout.Infinite, token);
                    return;
                case FakeStepKind.End:
                    return;
            }
        }

        var finish = turn.FinishReason ?? (turn.ToolCallCount > 0 ? "tool_calls" : "stop");
        await WriteChunkAsync(http, id, request.Model, new JsonObject(), finish, token);
        if (turn.SendsDone)
        {
            await WriteAsync(http, "data: [DONE]\n\n", token);
        }
    }

    private static JsonObject ToolCallDelta(int index, string? id, string? name, string arguments)
    {
        var function = new JsonObject { ["arguments"] = arguments };
        if (name is not null)
        {
            function["name"] = name;
        }

        var call = new JsonObject { ["index"] = index, ["function"] = function };
        if (id is not null)
        {
            call["id"] = id;
            call["type"] = "function";
        }

        return new JsonObject { ["tool_calls"] = new JsonArray(call) };
    }

    private static Task WriteChunkAsync(HttpContext http, string id, string? model, JsonObject delta, string? finishReason, CancellationToken token)
    {
        var chunk = new JsonObject
        {
            ["id"] = id,
            ["object"] = "chat.completion.chunk",
            ["created"] = 1_767_225_600,
            ["model"] = model ?? "fake",
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason }),
        };
        return WriteAsync(http, "data: " + chunk.ToJsonString() + "\n\n", token);
    }

    private static async Task WriteAsync(HttpContext http, string text, CancellationToken token)
    {
        await http.Response.WriteAsync(text, token);
        await http.Response.Body.FlushAsync(token);
    }

    private static async Task RefuseAsync(HttpContext http, int status, string message, CancellationToken token)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        var error = new JsonObject { ["error"] = new JsonObject { ["message"] = message, ["type"] = "fake_error", ["code"] = status } };
        await http.Response.WriteAsync(error.ToJsonString(), token);
    }

    private void Record(FakeChatRequest request)
    {
        List<(TaskCompletionSource<FakeChatRequest> Seen, FakeChatRequest Request)> seen = [];
        lock (_gate)
        {
            _requests.Add(request);
            for (var i = _requestWaiters.Count - 1; i >= 0; i--)
            {
                if (_requestWaiters[i].Count <= _requests.Count)
                {
                    seen.Add((_requestWaiters[i].Seen, _requests[_requestWaiters[i].Count - 1]));
                    _requestWaiters.RemoveAt(i);
                }
            }
        }

        foreach (var (waiter, received) in seen)
        {
            waiter.TrySetResult(received);
        }
    }

    private void Abandoned()
    {
        List<TaskCompletionSource> seen = [];
        lock (_gate)
        {
            _aborted++;
            for (var i = _abortWaiters.Count - 1; i >= 0; i--)
            {
                if (_abortWaiters[i].Count <= _aborted)
                {
                    seen.Add(_abortWaiters[i].Seen);
                    _abortWaiters.RemoveAt(i);
                }
            }
        }

        foreach (var waiter in seen)
        {
            waiter.TrySetResult();
        }
    }
}
