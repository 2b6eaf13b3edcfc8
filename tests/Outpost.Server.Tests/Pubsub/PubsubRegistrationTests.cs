using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Outpost.Server.Pubsub;
using Outpost.Testing;

namespace Outpost.Server.Tests.Pubsub;

public sealed class PubsubRegistrationTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task AddPubsub_registers_one_postgres_pubsub_that_the_container_disposes()
    {
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(database.DataSource)
            .AddPubsub(options => options.QueueCapacity = 8);
        PubsubSubscription subscription;
        await using (var provider = services.BuildServiceProvider())
        {
            var pubsub = provider.GetRequiredService<IPubsub>();
            Assert.Same(provider.GetRequiredService<PostgresPubsub>(), pubsub);
            subscription = await pubsub.SubscribeAsync("registered", TestTimeouts.Token()).WithTimeout();
            await pubsub.PublishAsync("registered", "hi", TestTimeouts.Token()).WithTimeout();
            Assert.Equal("hi", (await subscription.Reader.ReadAsync(TestTimeouts.Token()).AsTask().WithTimeout()).Payload);
        }

        Assert.False(await subscription.Reader.WaitToReadAsync(TestTimeouts.Token()).AsTask().WithTimeout());
    }

    [Fact]
    public void Bad_options_are_all_reported_at_once()
    {
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(database.DataSource)
            .AddPubsub(options =>
            {
                options.QueueCapacity = 0;
                options.ReconnectFirstDelay = TimeSpan.FromSeconds(5);
                options.ReconnectMaxDelay = TimeSpan.FromSeconds(1);
                options.ApplicationName = " ";
            });
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PubsubOptions>>().Value);

        Assert.Equal(3, error.Failures.Count());
        Assert.Contains(error.Failures, f => f.Contains("QueueCapacity", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("ReconnectMaxDelay", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("ApplicationName", StringComparison.Ordinal));
    }
}
