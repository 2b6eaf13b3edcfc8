using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Outpost.Sdk.Client;

/// <summary>One event of a watch stream: a value, or a signal to re-read the current state.</summary>
/// <typeparam name="T">The event payload type.</typeparam>
public readonly record struct WatchEvent<T>(T? Value, bool Resync);

/// <summary>
/// Reads the server's Server-Sent Event streams (workspace watches, build logs). Keep-alive
/// <c>ping</c> events are skipped; a <c>resync</c> event (the server missed messages) is passed on so
/// the caller re-reads the current state. The stream ends when the server ends it; a broken
/// connection surfaces as <see cref="HttpRequestException"/> or <see cref="IOException"/>, for the
/// caller to reconnect.
/// </summary>
public static class ServerSentEventsClient
{
    /// <summary>The event type of keep-alive pings.</summary>
    public const string PingEventType = "ping";

    /// <summary>The event type that asks the reader to resynchronize.</summary>
    public const string ResyncEventType = "resync";

    /// <summary>Opens <paramref name="path"/> and yields its events as they arrive.</summary>
    public static async IAsyncEnumerable<WatchEvent<T>> ReadAsync<T>(
        HttpClient http, string path, JsonTypeInfo<T> type, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(type);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await OutpostApiClient.EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var parser = SseParser.Create(stream);
        await foreach (var item in parser.EnumerateAsync(cancellationToken).ConfigureAwait(false))
        {
            switch (item.EventType)
            {
                case PingEventType:
                    continue;
                case ResyncEventType:
                    yield return new WatchEvent<T>(default, Resync: true);
                    continue;
                default:
                    if (string.IsNullOrEmpty(item.Data))
                    {
                        continue;
                    }

                    yield return new WatchEvent<T>(JsonSerializer.Deserialize(item.Data, type), Resync: false);
                    break;
            }
        }
    }
}
