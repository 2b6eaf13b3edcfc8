using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Outpost.Server.Pubsub;

namespace Outpost.Server.Streaming;

/// <summary>
/// Server-Sent Events for watch endpoints: items serialized with a source-generated
/// <see cref="JsonTypeInfo{T}"/>, a <c>ping</c> event whenever the stream has been idle for the
/// keep-alive interval (proxies cut idle connections; Coder's SSE streams send the same event), and
/// a <c>resync</c> event that tells the client it may have missed changes and must re-read.
/// </summary>
/// <remarks>
/// The wire format, for clients: an item is <c>event: &lt;type&gt;</c> (omitted for the default
/// <c>message</c>), <c>data: &lt;json&gt;</c> and an optional <c>id:</c>; <c>ping</c> and
/// <c>resync</c> carry an empty <c>data:</c> line so that every SSE parser dispatches them.
/// </remarks>
internal static class ServerSentEventStream
{
    public const string PingEventType = "ping";

    public const string ResyncEventType = "resync";

    public static readonly TimeSpan DefaultKeepAliveInterval = TimeSpan.FromSeconds(15);

    /// <summary>The item that tells a client to discard what it knows and read the current state again.</summary>
    public static SseItem<T> Resync<T>() => new(default!, ResyncEventType);

    /// <summary>
    /// The endpoint result: the framework's SSE result (content type, no caching, no response
    /// buffering, written until the client goes away) over JSON produced by <paramref name="jsonTypeInfo"/>.
    /// </summary>
    public static ServerSentEventsResult<string> Create<T>(
        IAsyncEnumerable<SseItem<T>> items, JsonTypeInfo<T> jsonTypeInfo, TimeProvider time, TimeSpan? keepAliveInterval = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(jsonTypeInfo);
        ArgumentNullException.ThrowIfNull(time);
        var interval = keepAliveInterval ?? DefaultKeepAliveInterval;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero, nameof(keepAliveInterval));
        return TypedResults.ServerSentEvents(Serialize(WithKeepAlive(items, time, interval, CancellationToken.None), jsonTypeInfo, CancellationToken.None));
    }

    /// <summary>The endpoint result over items whose data is JSON text already (pubsub payloads passed on as they are).</summary>
    public static ServerSentEventsResult<string> CreateFromJson(IAsyncEnumerable<SseItem<string>> items, TimeProvider time, TimeSpan? keepAliveInterval = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(time);
        var interval = keepAliveInterval ?? DefaultKeepAliveInterval;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero, nameof(keepAliveInterval));
        return TypedResults.ServerSentEvents(AsIs(WithKeepAlive(items, time, interval, CancellationToken.None), CancellationToken.None));
    }

    /// <summary>
    /// Maps a pubsub subscription to SSE items: each payload through <paramref name="map"/> (null
    /// skips it, for payloads about things this client may not see), each dropped marker to
    /// <see cref="Resync{T}"/>.
    /// </summary>
    public static async IAsyncEnumerable<SseItem<T>> FromSubscription<T>(
        PubsubSubscription subscription,
        Func<string, CancellationToken, ValueTask<SseItem<T>?>> map,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        ArgumentNullException.ThrowIfNull(map);
        await foreach (var message in subscription.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (message.IsDropped)
            {
                yield return Resync<T>();
                continue;
            }

            var item = await map(message.Payload, cancellationToken).ConfigureAwait(false);
            if (item is not null)
            {
                yield return item.Value;
            }
        }
    }

    /// <summary>Passes items through and adds a <c>ping</c> whenever nothing was sent for <paramref name="interval"/>.</summary>
    internal static async IAsyncEnumerable<SseItem<T>> WithKeepAlive<T>(
        IAsyncEnumerable<SseItem<T>> items, TimeProvider time, TimeSpan interval, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var enumerator = items.GetAsyncEnumerator(cancellationToken);
        Task<bool>? next = null;
        try
        {
            var lastSent = time.GetTimestamp();
            while (true)
            {
                next ??= enumerator.MoveNextAsync().AsTask();
                var due = interval - time.GetElapsedTime(lastSent);
                if (due > TimeSpan.Zero)
                {
                    using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    var delay = Task.Delay(due, time, idle.Token);
                    var first = await Task.WhenAny(next, delay).ConfigureAwait(false);
                    // Stops the timer; the delay's cancellation is never observed.
                    await idle.CancelAsync().ConfigureAwait(false);
                    if (first == next)
                    {
                        var more = await next.ConfigureAwait(false);
                        next = null;
                        if (!more)
                        {
                            yield break;
                        }

                        yield return enumerator.Current;
                        lastSent = time.GetTimestamp();
                        continue;
                    }

                    cancellationToken.ThrowIfCancellationRequested();
                }

                yield return new SseItem<T>(default!, PingEventType);
                lastSent = time.GetTimestamp();
            }
        }
        finally
        {
            // An async iterator cannot be disposed while a MoveNextAsync is pending; the source sees
            // the same token, so the pending call ends once the stream is canceled.
            if (next is not null)
            {
                await ObserveAsync(next).ConfigureAwait(false);
            }

            await enumerator.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Turns each item into the JSON text of its data; ping and resync carry none.</summary>
    internal static async IAsyncEnumerable<SseItem<string>> Serialize<T>(
        IAsyncEnumerable<SseItem<T>> items, JsonTypeInfo<T> jsonTypeInfo, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in items.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            var data = item.EventType is PingEventType or ResyncEventType || item.Data is null
                ? string.Empty
                : JsonSerializer.Serialize(item.Data, jsonTypeInfo);
            yield return new SseItem<string>(data, item.EventType) { EventId = item.EventId, ReconnectionInterval = item.ReconnectionInterval };
        }
    }

    private static async IAsyncEnumerable<SseItem<string>> AsIs(IAsyncEnumerable<SseItem<string>> items, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in items.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return item.EventType is PingEventType or ResyncEventType || item.Data is null
                ? new SseItem<string>(string.Empty, item.EventType) { EventId = item.EventId, ReconnectionInterval = item.ReconnectionInterval }
                : item;
        }
    }

    private static async Task ObserveAsync(Task<bool> pending)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Expected: the client went away and the source stopped.
        }
    }
}
