using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Net.WebSockets;
using System.Text.Json;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Templates;

namespace Outpost.Agent.Transport;

/// <summary>The agent API over HTTP and one <see cref="ClientWebSocket"/> per control-plane connection.</summary>
internal sealed class HttpAgentTransport : IAgentTransport, IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private readonly HttpClient _http;
    private readonly HttpClient _streams;
    private readonly Uri _rpcUri;
    private readonly string _token;

    public HttpAgentTransport(Uri serverUrl, string token, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(serverUrl);
        ArgumentException.ThrowIfNullOrEmpty(token);
        _token = token;
        var prefix = new Uri(serverUrl, AgentApi.Prefix + "/");
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = prefix,
            Timeout = RequestTimeout,
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _http.DefaultRequestHeaders.Add(AgentApi.VersionHeader, BuildVersion.Version);
        // Streams stay open for as long as the server holds them: no overall timeout.
        _streams = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = prefix,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _streams.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _streams.DefaultRequestHeaders.Add(AgentApi.VersionHeader, BuildVersion.Version);
        var rpc = new UriBuilder(new Uri(prefix, "rpc"));
        rpc.Scheme = rpc.Scheme == Uri.UriSchemeHttps ? "wss" : "ws";
        _rpcUri = rpc.Uri;
    }

    /// <summary>Where this agent accepts direct connections (<c>IP:PORT</c>), said to the server with every manifest fetch; null for nowhere.</summary>
    public string? DirectAddress
    {
        init
        {
            _http.DefaultRequestHeaders.Remove(AgentApi.DirectAddressHeader);
            _http.DefaultRequestHeaders.Add(AgentApi.DirectAddressHeader, value ?? string.Empty);
        }
    }

    public async Task<AgentApiResult<AgentManifest>> GetManifestAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync(new Uri("manifest", UriKind.Relative), cancellationToken).ConfigureAwait(false);
            if (await FailureOfAsync(response, cancellationToken).ConfigureAwait(false) is { } failure)
            {
                return AgentApiResult<AgentManifest>.Fail(failure);
            }

            var manifest = await response.Content.ReadFromJsonAsync<AgentManifest>(OutpostJson.Options, cancellationToken).ConfigureAwait(false);
            return manifest is null
                ? AgentApiResult<AgentManifest>.Fail(new AgentApiFailure(AgentApiFailureKind.Rejected, "the server sent an empty manifest", (int)response.StatusCode))
                : AgentApiResult<AgentManifest>.Ok(manifest);
        }
        catch (Exception ex) when (Unreachable(ex, cancellationToken) is { } failure)
        {
            return AgentApiResult<AgentManifest>.Fail(failure);
        }
    }

    public async Task<AgentApiResult<ReinitializationEvent>> WaitForReinitAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(ReinitializationEvent.Route, UriKind.Relative));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            using var response = await _streams.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (await FailureOfAsync(response, cancellationToken).ConfigureAwait(false) is { } failure)
            {
                return AgentApiResult<ReinitializationEvent>.Fail(failure);
            }

            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await foreach (var item in SseParser.Create(body).EnumerateAsync(cancellationToken).ConfigureAwait(false))
            {
                if (item.EventType == ReinitializationEvent.EventName)
                {
                    return AgentApiResult<ReinitializationEvent>.Ok(ReinitializationEvent.Parse(item.Data, Guid.Empty));
                }
            }

            return AgentApiResult<ReinitializationEvent>.Fail(new AgentApiFailure(AgentApiFailureKind.Unreachable, "the reinit stream ended without an event"));
        }
        catch (Exception ex) when (Unreachable(ex, cancellationToken) is { } failure)
        {
            return AgentApiResult<ReinitializationEvent>.Fail(failure);
        }
    }

    public async Task<AgentApiFailure?> SendLogsAsync(IReadOnlyList<AgentLogLine> lines, CancellationToken cancellationToken)
    {
        try
        {
            using var content = JsonContent.Create(new AgentLogsRequest { Logs = lines }, OutpostJsonContext.Default.AgentLogsRequest);
            using var response = await _http.PostAsync(new Uri("logs", UriKind.Relative), content, cancellationToken).ConfigureAwait(false);
            return await FailureOfAsync(response, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Unreachable(ex, cancellationToken) is { } failure)
        {
            return failure;
        }
    }

    public async Task<AgentApiFailure?> ReportDirectSessionAsync(Sdk.Sessions.DirectSessionReport report, CancellationToken cancellationToken)
    {
        try
        {
            using var content = JsonContent.Create(report, Sdk.Sessions.SessionJsonContext.Default.DirectSessionReport);
            using var response = await _http.PostAsync(new Uri(Sdk.Sessions.DirectSessionReport.Path, UriKind.Relative), content, cancellationToken).ConfigureAwait(false);
            return await FailureOfAsync(response, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (Unreachable(ex, cancellationToken) is { } failure)
        {
            return failure;
        }
    }

    public async Task<AgentApiResult<IControlPlaneConnection>> ConnectAsync(CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + _token);
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(15);
        try
        {
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            connectTimeout.CancelAfter(RequestTimeout);
            await socket.ConnectAsync(_rpcUri, connectTimeout.Token).ConfigureAwait(false);
            return AgentApiResult<IControlPlaneConnection>.Ok(new WebSocketControlPlaneConnection(socket));
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is WebSocketException or HttpRequestException or IOException or OperationCanceledException)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            return AgentApiResult<IControlPlaneConnection>.Fail(status switch
            {
                HttpStatusCode.Unauthorized => AgentApiFailure.Unauthorized(null),
                0 => new AgentApiFailure(AgentApiFailureKind.Unreachable, $"could not open the control plane at {_rpcUri}: {Describe(ex)}"),
                _ => new AgentApiFailure(AgentApiFailureKind.Rejected, $"the server refused the control plane with {(int)status} {status}", (int)status),
            });
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public async Task<AgentApiResult<WebSocket>> DialSessionAsync(Uri relayUrl, string ticket, CancellationToken cancellationToken)
    {
        var target = new UriBuilder(new Uri(relayUrl, Sdk.Sessions.SessionApi.AgentDialPath));
        target.Scheme = target.Scheme == Uri.UriSchemeHttps ? "wss" : "ws";
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + _token);
        socket.Options.SetRequestHeader(Sdk.Sessions.SessionApi.TicketHeader, ticket);
        socket.Options.CollectHttpResponseDetails = true;

        // A relay that vanishes without a close is noticed by the keep-alive, so a terminal detaches instead of hanging.
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(15);
        socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(30);
        try
        {
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            connectTimeout.CancelAfter(RequestTimeout);
            await socket.ConnectAsync(target.Uri, connectTimeout.Token).ConfigureAwait(false);
            return AgentApiResult<WebSocket>.Ok(socket);
        }
        catch (Exception ex) when (ex is WebSocketException or HttpRequestException or IOException or OperationCanceledException)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            return AgentApiResult<WebSocket>.Fail(new AgentApiFailure(
                status == 0 ? AgentApiFailureKind.Unreachable : AgentApiFailureKind.Rejected,
                status == 0 ? $"could not reach {target.Uri}: {Describe(ex)}" : $"the relay refused the dial with {(int)status} {status}", (int)status));
        }
    }

    /// <summary>The authenticated client, for the agent's other routes (the task agent's <see cref="Tasks.HttpTaskChannel"/>).</summary>
    internal HttpClient Http => _http;

    public void Dispose()
    {
        _http.Dispose();
        _streams.Dispose();
    }

    internal static async Task<AgentApiFailure?> FailureOfAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return null;
        }

        ApiProblem? problem = null;
        if (response.Content.Headers.ContentType?.MediaType is "application/problem+json" or "application/json")
        {
            try
            {
                problem = await response.Content.ReadFromJsonAsync(OutpostJsonContext.Default.ApiProblem, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException)
            {
                // Not problem details (a proxy page, say): the status line below says enough.
            }
        }

        var detail = problem?.Detail ?? problem?.Title;
        return response.StatusCode == HttpStatusCode.Unauthorized
            ? AgentApiFailure.Unauthorized(detail)
            : new AgentApiFailure(
                AgentApiFailureKind.Rejected,
                $"the server answered {(int)response.StatusCode} {response.ReasonPhrase}" + (detail is null ? string.Empty : $": {detail}"),
                (int)response.StatusCode);
    }

    internal static AgentApiFailure? Unreachable(Exception ex, CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested || ex is not (HttpRequestException or IOException or OperationCanceledException or JsonException)
            ? null
            : new AgentApiFailure(ex is JsonException ? AgentApiFailureKind.Rejected : AgentApiFailureKind.Unreachable, Describe(ex));

    private static string Describe(Exception ex) => ex switch
    {
        OperationCanceledException => "timed out",
        { InnerException: { } inner } when inner.Message.Length > 0 && !ex.Message.Contains(inner.Message, StringComparison.Ordinal) => $"{ex.Message} ({inner.Message})",
        _ => ex.Message,
    };
}
