using System.IO.Pipelines;
using System.Net.ServerSentEvents;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Outpost.Server.Pubsub;
using Outpost.Server.Streaming;
using Outpost.Testing;

namespace Outpost.Server.Tests.Streaming;

public sealed class ServerSentEventStreamTests
{
    [Fact]
    public async Task Items_are_written_as_json_events_a_standard_parser_reads_back()
    {
        var time = new ManualTimeProvider();
        await using var stream = StreamUnderTest.Start(Items(), time);

        var update = await stream.NextAsync();
        var plain = await stream.NextAsync();
        var resync = await stream.NextAsync();

        Assert.Equal("text/event-stream", stream.Context.Response.ContentType);
        Assert.Equal(("workspace_update", """{"workspace_id":"w1","build_number":3}""", "7"), (update.EventType, update.Data, update.EventId));
        Assert.Equal(("message", """{"workspace_id":"w2","build_number":1}"""), (plain.EventType, plain.Data));
        Assert.Equal((ServerSentEventStream.ResyncEventType, string.Empty), (resync.EventType, resync.Data));
        await stream.Completion.WithTimeout();

        static async IAsyncEnumerable<SseItem<WatchedBuild>> Items()
        {
            yield return new SseItem<WatchedBuild>(new WatchedBuild("w1", 3), "workspace_update") { EventId = "7" };
            await Task.Yield();
            yield return new SseItem<WatchedBuild>(new WatchedBuild("w2", 1), null);
            yield return ServerSentEventStream.Resync<WatchedBuild>();
        }
    }

    [Fact]
    public async Task A_ping_is_sent_only_after_the_stream_has_been_idle_for_the_interval()
    {
        var time = new ManualTimeProvider();
        var source = Channel.CreateUnbounded<SseItem<WatchedBuild>>();
        await using var stream = StreamUnderTest.Start(source.Reader.ReadAllAsync(), time, TimeSpan.FromSeconds(15));

        await time.WaitForTimerAsync().WithTimeout();
        time.Advance(TimeSpan.FromSeconds(15));
        Assert.Equal(ServerSentEventStream.PingEventType, (await stream.NextAsync()).EventType);

        await source.Writer.WriteAsync(new SseItem<WatchedBuild>(new WatchedBuild("w1", 1), null));
        Assert.Contains("w1", (await stream.NextAsync()).Data, StringComparison.Ordinal);

        // 10 s after the last item: not idle long enough, so the next event is the item, not a ping.
        await time.WaitForTimerAsync().WithTimeout();
        time.Advance(TimeSpan.FromSeconds(10));
        await source.Writer.WriteAsync(new SseItem<WatchedBuild>(new WatchedBuild("w2", 2), null));
        Assert.Contains("w2", (await stream.NextAsync()).Data, StringComparison.Ordinal);

        await time.WaitForTimerAsync().WithTimeout();
        time.Advance(TimeSpan.FromSeconds(15));
        var ping = await stream.NextAsync();
        Assert.Equal((ServerSentEventStream.PingEventType, string.Empty), (ping.EventType, ping.Data));
    }

    [Fact]
    public async Task A_client_that_goes_away_ends_the_stream_and_releases_its_source()
    {
        var time = new ManualTimeProvider();
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var stream = StreamUnderTest.Start(NeverEnding(released), time);
        await time.WaitForTimerAsync().WithTimeout();

        await stream.DisconnectAsync();

        await stream.Completion.WithTimeout();
        await released.Task.WithTimeout();

        static async IAsyncEnumerable<SseItem<WatchedBuild>> NeverEnding(
            TaskCompletionSource released, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
                yield break;
            }
            finally
            {
                released.TrySetResult();
            }
        }
    }

    [Fact]
    public async Task A_subscription_maps_payloads_skips_nulls_and_turns_dropped_markers_into_resync()
    {
        await using var pubsub = new InMemoryPubsub();
        await using var subscription = await pubsub.SubscribeAsync("workspace_updates:all", TestTimeouts.Token()).WithTimeout();
        await pubsub.PublishAsync("workspace_updates:all", "w1", TestTimeouts.Token()).WithTimeout();
        await pubsub.PublishAsync("workspace_updates:all", "hidden", TestTimeouts.Token()).WithTimeout();
        pubsub.SimulateReconnect();
        await pubsub.PublishAsync("workspace_updates:all", "w2", TestTimeouts.Token()).WithTimeout();

        var items = ServerSentEventStream.FromSubscription<WatchedBuild>(subscription, static (payload, _) =>
            ValueTask.FromResult<SseItem<WatchedBuild>?>(payload == "hidden" ? null : new SseItem<WatchedBuild>(new WatchedBuild(payload, 1), null)),
            TestTimeouts.Token());
        var read = new List<SseItem<WatchedBuild>>();
        await foreach (var item in items)
        {
            read.Add(item);
            if (read.Count == 3)
            {
                break;
            }
        }

        Assert.Equal(["message:w1", "resync:", "message:w2"], read.Select(i => $"{i.EventType}:{i.Data?.WorkspaceId}"));
    }

    /// <summary>Runs the endpoint result against a pipe, the way Kestrel would, and parses what it writes.</summary>
    private sealed class StreamUnderTest : IAsyncDisposable
    {
        private readonly CancellationTokenSource _aborted = new();
        private readonly Pipe _pipe = new();
        private readonly IAsyncEnumerator<SseItem<string>> _events;

        private StreamUnderTest(IAsyncEnumerable<SseItem<WatchedBuild>> items, TimeProvider time, TimeSpan? keepAlive)
        {
            Context = new DefaultHttpContext
            {
                RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider(),
                RequestAborted = _aborted.Token,
            };
            Context.Response.Body = _pipe.Writer.AsStream();
            Completion = RunAsync(ServerSentEventStream.Create(items, StreamTestJson.Default.WatchedBuild, time, keepAlive));
            _events = SseParser.Create(_pipe.Reader.AsStream()).EnumerateAsync(TestTimeouts.Token()).GetAsyncEnumerator();
        }

        public DefaultHttpContext Context { get; }

        public Task Completion { get; }

        public static StreamUnderTest Start(IAsyncEnumerable<SseItem<WatchedBuild>> items, TimeProvider time, TimeSpan? keepAlive = null) =>
            new(items, time, keepAlive);

        public async Task<SseItem<string>> NextAsync()
        {
            Assert.True(await _events.MoveNextAsync().AsTask().WithTimeout(), "the stream ended");
            return _events.Current;
        }

        public Task DisconnectAsync() => _aborted.CancelAsync();

        public async ValueTask DisposeAsync()
        {
            await _aborted.CancelAsync();
            await Completion.WithTimeout();
            await _events.DisposeAsync();
            _aborted.Dispose();
        }

        private async Task RunAsync(IResult result)
        {
            try
            {
                await result.ExecuteAsync(Context);
            }
            catch (OperationCanceledException) when (_aborted.IsCancellationRequested)
            {
                // Kestrel treats an aborted request the same way.
            }
            finally
            {
                await _pipe.Writer.CompleteAsync();
            }
        }
    }
}

internal sealed record WatchedBuild(string WorkspaceId, int BuildNumber);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(WatchedBuild))]
internal sealed partial class StreamTestJson : JsonSerializerContext;
