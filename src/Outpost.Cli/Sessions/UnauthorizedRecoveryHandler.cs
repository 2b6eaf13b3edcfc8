using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Outpost.Sdk.Client;
using Outpost.Telemetry;
using Outpost.Telemetry.Auth;

namespace Outpost.Cli.Sessions;

/// <summary>
/// The one 401 interceptor on the API client (telemetry spec §5.5): on a 401, refresh once (or
/// join the refresh in flight) and retry once; if the refresh is refused, ask for the password on
/// an interactive terminal, otherwise fail with "session expired: run outpost login". Each
/// interception is one <c>auth.unauthorized_intercepted</c> span whose duration covers refresh,
/// prompt and retry.
/// </summary>
internal sealed class UnauthorizedRecoveryHandler(SessionManager session, ITelemetryReporter telemetry, ILogger logger, HttpMessageHandler inner)
    : DelegatingHandler(inner)
{
    private static readonly HttpRequestOptionsKey<bool> Retried = new("outpost.auth_retried");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (IsStream(request))
        {
            // A stream can outlive the access token: from now on refresh it before it expires (docs/identity.md).
            session.StartBackgroundRefresh();
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session.AccessToken);
        // Buffered so the request can be sent a second time after recovery.
        var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized || (request.Options.TryGetValue(Retried, out var retried) && retried))
        {
            return response;
        }

        var initial = new TelemetryProperties
        {
            { AuthTelemetry.Recovery, AuthTelemetry.RecoveryNone },
            { AuthTelemetry.RefreshAttempted, false },
        };
        return await telemetry.TraceAsync(AuthTelemetry.UnauthorizedIntercepted, async (span, token) =>
        {
            var refreshable = session.CanRefresh;
            span.SetProperty(AuthTelemetry.RefreshAttempted, refreshable);
            if (refreshable)
            {
                try
                {
                    await session.RefreshAsync(AuthTelemetry.TriggerReactive, token).ConfigureAwait(false);
                    span.SetProperty(AuthTelemetry.Recovery, AuthTelemetry.RecoveryRefreshSuccess);
                    return await RetryAsync(span, request, body, response, token).ConfigureAwait(false);
                }
                catch (HttpRequestException e)
                {
                    // The server went away mid-recovery: that, not an expired session, is the news.
                    // The refresh token was not spent, so the next command can still refresh.
                    SessionManager.LogReactiveRefreshFailed(logger, e.Message);
                    response.Dispose();
                    throw;
                }
                catch (Exception e) when (e is OutpostApiException or InvalidOperationException)
                {
                    SessionManager.LogReactiveRefreshFailed(logger, e.Message);
                }
            }

            if (!session.CanPrompt)
            {
                span.SetProperty(AuthTelemetry.Recovery, AuthTelemetry.RecoveryNone);
                response.Dispose();
                throw new SessionExpiredException();
            }

            span.SetProperty(AuthTelemetry.Recovery, AuthTelemetry.RecoveryLoginRequired);
            if (!await session.PromptLoginAsync(AuthTelemetry.TriggerAuthRequired, token).ConfigureAwait(false))
            {
                response.Dispose();
                throw new SessionExpiredException();
            }

            return await RetryAsync(span, request, body, response, token).ConfigureAwait(false);
        }, initial, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A server-sent-event stream: every watch and follow of the SDK asks for one.</summary>
    internal static bool IsStream(HttpRequestMessage request) =>
        request.Headers.Accept.Any(static accept => string.Equals(accept.MediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase));

    private async Task<HttpResponseMessage> RetryAsync(ITelemetrySpan span, HttpRequestMessage original, byte[]? body, HttpResponseMessage first, CancellationToken cancellationToken)
    {
        first.Dispose();
        using var retry = new HttpRequestMessage(original.Method, original.RequestUri) { Version = original.Version };
        foreach (var header in original.Headers)
        {
            retry.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        if (body is not null)
        {
            retry.Content = new ByteArrayContent(body);
            foreach (var header in original.Content!.Headers)
            {
                retry.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        retry.Options.Set(Retried, true);
        retry.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session.AccessToken);
        var response = await base.SendAsync(retry, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            // The span's result follows the retried request (spec §5.5 step 8), with its error block.
            span.MarkFailure(await RetryFailureAsync(response, cancellationToken).ConfigureAwait(false));
        }

        return response;
    }

    /// <summary>
    /// The error the caller is about to see, as a telemetry error block: the problem's detail (or
    /// title), typed like the exception the client throws, coded by the problem's code or status.
    /// The body is buffered, so the caller still reads it.
    /// </summary>
    private static async Task<TelemetryError> RetryFailureAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var message = $"HTTP {status} {response.ReasonPhrase}".TrimEnd();
        string? code = null;
        try
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            using var problem = System.Text.Json.JsonDocument.Parse(text);
            if (problem.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object)
            {
                message = Text(problem.RootElement, "detail") ?? Text(problem.RootElement, "title") ?? message;
                code = Text(problem.RootElement, "code");
            }
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or HttpRequestException or InvalidOperationException)
        {
            // Not a problem document: the status line is the message.
        }

        return new TelemetryError(Outpost.Telemetry.Redaction.TelemetryRedactor.RedactText(message), nameof(OutpostApiException), code ?? status);

        static string? Text(System.Text.Json.JsonElement element, string name) =>
            element.TryGetProperty(name, out var value) && value.ValueKind == System.Text.Json.JsonValueKind.String ? value.GetString() : null;
    }
}
