using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;
using Outpost.Server.Diagnostics;

namespace Outpost.Server.Tests.Diagnostics;

/// <summary>Issue 13 point 8: labels that name users and workspaces can be turned off; their series are then summed.</summary>
public sealed class IdentifyingLabelsTests : IDisposable
{
    private readonly Meter _meter = new($"test.{Guid.NewGuid():N}");
    private readonly PrometheusScraper _with = new();
    private readonly PrometheusScraper _without = new(includeIdentifyingLabels: false);
    private readonly MeterProvider _providerWith;
    private readonly MeterProvider _providerWithout;

    public IdentifyingLabelsTests()
    {
        _providerWith = OpenTelemetry.Sdk.CreateMeterProviderBuilder().AddMeter(_meter.Name).AddReader(_with.Reader).Build();
        _providerWithout = OpenTelemetry.Sdk.CreateMeterProviderBuilder().AddMeter(_meter.Name).AddReader(_without.Reader).Build();
    }

    [Fact]
    public void Without_identifying_labels_series_that_differed_only_by_workspace_and_owner_are_summed()
    {
        var counter = _meter.CreateCounter<long>("outpost_agent_connections");
        counter.Add(2, new("workspace_name", "alpha"), new("username", "ann"), new("status", "ok"));
        counter.Add(3, new("workspace_name", "beta"), new("username", "bob"), new("status", "ok"));
        counter.Add(1, new("workspace_name", "beta"), new("username", "bob"), new("status", "failed"));

        var named = _with.Scrape()!;
        var anonymous = _without.Scrape()!;

        Assert.Contains("workspace_name=\"alpha\"", named, StringComparison.Ordinal);
        Assert.DoesNotContain("workspace_name", anonymous, StringComparison.Ordinal);
        Assert.DoesNotContain("username", anonymous, StringComparison.Ordinal);
        Assert.Contains("outpost_agent_connections_total{status=\"ok\"} 5\n", anonymous, StringComparison.Ordinal);
        Assert.Contains("outpost_agent_connections_total{status=\"failed\"} 1\n", anonymous, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _providerWith.Dispose();
        _providerWithout.Dispose();
        _with.Dispose();
        _without.Dispose();
        _meter.Dispose();
    }
}
