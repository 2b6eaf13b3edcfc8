using System.Text.Json;
using Outpost.Sdk.Deployment;

namespace Outpost.Sdk.Tests;

public sealed class OutpostJsonTests
{
    [Fact]
    public void Wire_types_round_trip_with_snake_case_names()
    {
        var info = new BuildInfoResponse { Version = "1.2.3", Commit = "abc", DeploymentId = "d-1" };

        var json = JsonSerializer.Serialize(info, OutpostJson.Options);
        var back = JsonSerializer.Deserialize<BuildInfoResponse>(json, OutpostJson.Options);

        Assert.Equal("""{"version":"1.2.3","commit":"abc","deployment_id":"d-1"}""", json);
        Assert.Equal(info, back);
    }

    [Fact]
    public void The_shared_options_are_read_only() =>
        Assert.True(OutpostJson.Options.IsReadOnly);

    [Fact]
    public void The_version_has_no_build_metadata() =>
        Assert.DoesNotContain('+', BuildVersion.Version);
}
