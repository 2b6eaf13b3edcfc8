using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Hosting;
using Outpost.Server.Provisionerd;
using Outpost.Server.ProvisionerJobs;
using Outpost.Server.Pubsub;
using Outpost.Testing;

namespace Outpost.Server.Tests.Hosting;

public sealed class ShutdownTests
{
    // A hard bound on the whole test: one clean-clone CI run hung somewhere in it once (not
    // reproduced since), and a hang must fail this test, not stall the suite.
    [Fact(Timeout = 180_000)]
    public async Task A_stopping_server_ends_daemon_long_polls_at_once_and_serves_until_it_is_disposed()
    {
        var connectionString = await DatabaseFixture.CreateDatabaseAsync("stopping");
        var server = (await OutpostServer.StartAsync(ServerFixture.CreateOptions(connectionString, Directory.CreateTempSubdirectory().FullName), TestTimeouts.Token()).WithTimeout()).Server!;
        try
        {
            using var client = new HttpClient { BaseAddress = server.BaseAddress };
            var daemon = new TestDaemon(client, server.Services.GetRequiredService<InternalProvisionerKey>().Value, "long-poller");
            var poll = daemon.PostAsync("/acquire", new AcquireJobRequest { DaemonName = "long-poller", Provisioners = ["local"], WaitSeconds = 60 });
            var pubsub = server.Services.GetRequiredService<PostgresPubsub>();
            using var deadline = new CancellationTokenSource(TestTimeouts.Default);
            while (!(await pubsub.ListeningChannelsAsync(deadline.Token).WithTimeout()).Contains(JobEvents.WakeChannel))
            {
                // The poll has not parked yet; ask the listener again (an early answer would never park).
                Assert.False(poll.IsCompleted, $"the long poll ended before it parked: {(poll.IsCompleted ? (int)(await poll).StatusCode : 0)}");
            }

            // What SIGTERM does.
            server.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
            await server.WaitForShutdownAsync(CancellationToken.None).WithTimeout();

            // The 60 s poll ends long before its wait, telling the daemon to back off, and so does a new one...
            using var ended = await poll.WithTimeout(TestTimeouts.Short);
            using var next = await daemon.PostAsync("/acquire", new AcquireJobRequest { DaemonName = "long-poller", Provisioners = ["local"], WaitSeconds = 60 }).WithTimeout(TestTimeouts.Short);
            // ...while the server still answers, so built-in daemons can report their last job before it stops.
            using var health = await client.GetAsync(new Uri("/healthz", UriKind.Relative)).WithTimeout();

            Assert.Equal(HttpStatusCode.ServiceUnavailable, ended.StatusCode);
            Assert.Contains("shutting down", await ended.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, next.StatusCode);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }
        finally
        {
            // Bounded on its own, so a stop that never finishes fails with a TimeoutException here.
            await server.DisposeAsync().AsTask().WithTimeout();
        }
    }
}
