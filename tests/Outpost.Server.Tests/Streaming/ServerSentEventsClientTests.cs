using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Outpost.Sdk;
using Outpost.Sdk.Client;
using Outpost.Sdk.Deployment;
using Outpost.Server.Streaming;
using Outpost.Testing;

namespace Outpost.Server.Tests.Streaming;

/// <summary>The Sdk's SSE reader against the server's own SSE writer, over real HTTP.</summary>
public sealed class ServerSentEventsClientTests : IAsyncLifetime
{
    private WebApplication? _app;
    private HttpClient _http = new();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.MapGet("/events", (CancellationToken ct) => ServerSentEventStream.Create(Items(ct), OutpostJsonContext.Default.BuildInfoResponse, TimeProvider.System, TimeSpan.FromMinutes(5)));
        await _app.StartAsync().WithTimeout();
        _http = new HttpClient { BaseAddress = new Uri(_app.Urls.First()) };
    }

    [Fact]
    public async Task Values_and_resyncs_arrive_in_order_and_pings_are_skipped()
    {
        var events = new List<WatchEvent<BuildInfoResponse>>();
        await foreach (var e in ServerSentEventsClient.ReadAsync(_http, "/events", OutpostJsonContext.Default.BuildInfoResponse, TestTimeouts.Token()))
        {
            events.Add(e);
        }

        Assert.Equal(3, events.Count);
        Assert.Equal("1", events[0].Value!.Version);
        Assert.True(events[1].Resync);
        Assert.Equal("2", events[2].Value!.Version);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    private static async IAsyncEnumerable<SseItem<BuildInfoResponse>> Items([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        yield return new SseItem<BuildInfoResponse>(new BuildInfoResponse { Version = "1", Commit = "c", DeploymentId = "d" }, "workspace");
        yield return new SseItem<BuildInfoResponse>(default!, ServerSentEventStream.PingEventType);
        await Task.Yield();
        yield return ServerSentEventStream.Resync<BuildInfoResponse>();
        yield return new SseItem<BuildInfoResponse>(new BuildInfoResponse { Version = "2", Commit = "c", DeploymentId = "d" }, "workspace");
    }
}
