using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Outpost.Agent.Tasks;

/// <summary>
/// An OpenAI-compatible streaming chat-completions client: <c>POST {base}/chat/completions</c> with
/// <c>stream: true</c>, read as server-sent events until <c>[DONE]</c>. Text deltas go to a callback as they
/// arrive; tool calls, whose arguments arrive in pieces by index, are assembled. Every failure the
/// provider can cause is a <see cref="ChatFailure"/>; only the caller's cancellation throws. The API key
/// travels in the Authorization header and nowhere else.
/// </summary>
internal sealed partial class ChatCompletionsClient : IDisposable
{
    private const int MaxErrorBodyChars = 4096;
    private const int MaxProviderMessageChars = 300;
    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly string _apiKey;
    private readonly TimeProvider _time;

    public ChatCompletionsClient(Uri baseUrl, string apiKey, TimeProvider time, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        ArgumentException.ThrowIfNullOrEmpty(apiKey);
        ArgumentNullException.ThrowIfNull(time);
        _apiKey = apiKey;
        _time = time;
        _endpoint = new Uri(baseUrl.AbsoluteUri.TrimEnd('/') + "/chat/completions");
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            // Stalls are the stall timer's business: a long answer may stream for many minutes.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
    }

    /// <summary>How long the provider may send nothing (before the headers or between lines) before the call is <see cref="ChatFailureKind.Stalled"/>.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>Streams one turn; <paramref name="onText"/> sees each text delta in order.</summary>
    public Task<ChatResult> StreamAsync(ChatRequest request, Func<string, CancellationToken, ValueTask> onText, CancellationToken cancellationToken) =>
        StreamAsync(request, onText, null, cancellationToken);

    /// <summary>Streams one turn; <paramref name="onText"/> sees each text delta in order, <paramref name="observer"/> the stream's events (no content).</summary>
    public async Task<ChatResult> StreamAsync(ChatRequest request, Func<string, CancellationToken, ValueTask> onText, IChatStreamObserver? observer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(onText);
        observer ??= IChatStreamObserver.None;
        using var stall = new CancellationTokenSource(StallTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stall.Token, cancellationToken);
        var token = linked.Token;
        try
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, _endpoint)
            {
                Content = JsonContent.Create(request with { Stream = true }, ChatJsonContext.Default.ChatRequest),
            };
            message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                // Only a connection that never opened is unreachable; one that broke after the request went out is a reset.
                return ChatResult.Fail(ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError
                    ? new ChatFailure(ChatFailureKind.Unreachable, $"could not reach the provider at {_endpoint}: {Redact(ex.Message)}", Error: ex)
                    : new ChatFailure(ChatFailureKind.Reset, $"the provider closed the connection before answering ({Redact(ex.Message)})", Error: ex));
            }

            using (response)
            {
                if (!response.IsSuccessStatusCode)
                {
                    return ChatResult.Fail(await RefusalAsync(response, token).ConfigureAwait(false));
                }

                await using var body = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
                return await ReadStreamAsync(body, stall, onText, observer, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stall.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return ChatResult.Fail(new ChatFailure(ChatFailureKind.Stalled, $"the provider sent nothing for {StallTimeout.TotalSeconds:0} s",
                Error: new TimeoutException("the provider sent nothing within the stall timeout")));
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is IOException or HttpRequestException)
        {
            return ChatResult.Fail(new ChatFailure(ChatFailureKind.Reset, $"the provider's stream broke: {Redact(ex.Message)}", Error: ex));
        }
    }

    public void Dispose() => _http.Dispose();

    private async Task<ChatResult> ReadStreamAsync(Stream body, CancellationTokenSource stall, Func<string, CancellationToken, ValueTask> onText, IChatStreamObserver observer, CancellationToken token)
    {
        using var reader = new StreamReader(body, Encoding.UTF8);
        var calls = new SortedDictionary<int, ToolCallBuilder>();
        var text = new StringBuilder();
        var data = new StringBuilder();
        string? finish = null;
        while (await reader.ReadLineAsync(token).ConfigureAwait(false) is { } line)
        {
            stall.CancelAfter(StallTimeout);
            if (line.Length == 0)
            {
                if (data.Length == 0)
                {
                    continue;
                }

                var payload = data.ToString();
                data.Clear();
                if (payload == "[DONE]")
                {
                    return finish is null
                        ? ChatResult.Fail(new ChatFailure(ChatFailureKind.EndedEarly, "the provider ended the stream ([DONE]) without a finish reason", Error: EndedEarly()))
                        : ChatResult.Ok(new ChatTurn(text.ToString(), [.. calls.Values.Select(c => c.Build())], finish));
                }

                ChatChunk? chunk;
                try
                {
                    chunk = JsonSerializer.Deserialize(payload, ChatJsonContext.Default.ChatChunk);
                }
                catch (JsonException ex)
                {
                    return ChatResult.Fail(new ChatFailure(ChatFailureKind.Malformed, $"the provider sent a chunk that is not chat-completion JSON ({ex.Message})", Error: Malformed()));
                }

                foreach (var choice in chunk?.Choices ?? [])
                {
                    if (choice.Index != 0)
                    {
                        continue;
                    }

                    if (choice.Delta?.Content is { Length: > 0 } delta)
                    {
                        text.Append(delta);
                        observer.TextDelta();
                        await onText(delta, token).ConfigureAwait(false);
                    }

                    foreach (var piece in choice.Delta?.ToolCalls ?? [])
                    {
                        if (!calls.TryGetValue(piece.Index, out var call))
                        {
                            calls[piece.Index] = call = new ToolCallBuilder(piece.Index);
                            observer.ToolInputStarted(piece.Index);
                        }
                        else
                        {
                            observer.ToolInputDelta(piece.Index);
                        }

                        if (call.Append(piece) is { } error)
                        {
                            return ChatResult.Fail(new ChatFailure(ChatFailureKind.Malformed, error, Error: Malformed()));
                        }
                    }

                    if (finish is null && choice.FinishReason is not null && calls.Count > 0)
                    {
                        // The finish reason closes every call's input: the calls are whole (materialized), none has run.
                        observer.ToolCallsMaterialized([.. calls.Values.Select(c => c.Build())]);
                    }

                    finish = choice.FinishReason ?? finish;
                }

                continue;
            }

            if (line.StartsWith(':'))
            {
                continue;
            }

            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                if (data.Length > 0)
                {
                    data.Append('\n');
                }

                data.Append(line.AsSpan(line.Length > 5 && line[5] == ' ' ? 6 : 5));
            }
            else if (!line.StartsWith("event:", StringComparison.Ordinal) && !line.StartsWith("id:", StringComparison.Ordinal) && !line.StartsWith("retry:", StringComparison.Ordinal))
            {
                return ChatResult.Fail(new ChatFailure(ChatFailureKind.Malformed, $"the provider sent a line that is not server-sent events: \"{Cut(line, 80)}\"", Error: Malformed()));
            }
        }

        return ChatResult.Fail(new ChatFailure(ChatFailureKind.EndedEarly, finish is null
            ? "the provider's stream ended before a finish reason"
            : "the provider's stream ended without [DONE]", Error: EndedEarly()));
    }

    private async Task<ChatFailure> RefusalAsync(HttpResponseMessage response, CancellationToken token)
    {
        var status = (int)response.StatusCode;
        string? detail = null;
        try
        {
            var buffer = new char[MaxErrorBodyChars];
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false));
            var read = await reader.ReadBlockAsync(buffer, token).ConfigureAwait(false);
            var body = new string(buffer, 0, read);
            detail = JsonSerializer.Deserialize(body, ChatJsonContext.Default.ChatErrorBody)?.Error?.Message;
        }
        catch (Exception ex) when (ex is JsonException or IOException or HttpRequestException)
        {
            // Not the usual error body: the status says enough.
        }

        var message = $"the provider answered {status} {response.ReasonPhrase}".TrimEnd();
        if (!string.IsNullOrWhiteSpace(detail))
        {
            message += ": " + Cut(Redact(detail), MaxProviderMessageChars);
        }

        return new ChatFailure(ChatFailureKind.Refused, message, status, new HttpRequestException(HttpRequestError.Unknown, message, null, response.StatusCode));
    }

    /// <summary>The stand-in of a stream that ended cleanly too early: .NET's own "response ended" (undici's UND_ERR_SOCKET).</summary>
    private static HttpIOException EndedEarly() => new(HttpRequestError.ResponseEnded, "the response ended prematurely");

    private static HttpIOException Malformed() => new(HttpRequestError.InvalidResponse, "the provider's stream was not chat-completion events");

    /// <summary>Providers quote (masked) keys in their 401 messages: neither the key nor anything shaped like one is repeated.</summary>
    private string Redact(string text) =>
        KeyShape().Replace(text.Replace(_apiKey, "[redacted]", StringComparison.Ordinal), "[redacted]");

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    [GeneratedRegex(@"sk-[A-Za-z0-9_\-\*\.]{3,}")]
    private static partial Regex KeyShape();

    private sealed class ToolCallBuilder(int index)
    {
        private readonly StringBuilder _arguments = new();
        private string? _id;
        private string? _name;

        public string? Append(ChatChunkToolCall piece)
        {
            _id ??= piece.Id;
            if (piece.Function?.Name is { Length: > 0 } name)
            {
                // Some providers repeat the name on every piece: the first one stands.
                _name ??= name;
            }

            _arguments.Append(piece.Function?.Arguments);
            return _name is null && _arguments.Length > 0 ? $"the provider sent arguments of tool call {index} before its name" : null;
        }

        public ChatToolCall Build() => new()
        {
            Id = _id ?? $"call_{index}",
            Function = new ChatFunctionCall { Name = _name ?? string.Empty, Arguments = _arguments.Length == 0 ? "{}" : _arguments.ToString() },
        };
    }
}
