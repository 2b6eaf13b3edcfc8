using System.Text.Json;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Parameters;
using Outpost.Sdk.Provisioning;

namespace Outpost.Sdk.Tests;

public sealed class WireNameTests
{
    [Fact]
    public void Every_wire_name_is_the_json_string_of_the_value()
    {
        AssertMatchesJson<ProvisionerJobStatus>();
        AssertMatchesJson<ProvisionerJobType>();
        AssertMatchesJson<WorkspaceStatus>();
        AssertMatchesJson<AgentLifecycleState>();
        AssertMatchesJson<ParameterType>();
    }

    [Fact]
    public void Names_parse_back_and_unknown_names_do_not()
    {
        Assert.Equal("template_version_import", WireName.Of(ProvisionerJobType.TemplateVersionImport));
        Assert.True(WireName<ParameterType>.TryParse("bool", out var type));
        Assert.Equal(ParameterType.Bool, type);
        Assert.False(WireName<ParameterType>.TryParse("Bool", out _));
        Assert.False(WireName<ParameterType>.TryParse(null, out _));
        Assert.Equal(["string", "number", "bool"], WireName<ParameterType>.All);
        Assert.Throws<InvalidOperationException>(() => WireName<ParameterType>.Parse("list"));
    }

    private static void AssertMatchesJson<T>() where T : struct, Enum
    {
        foreach (var value in Enum.GetValues<T>())
        {
            Assert.Equal(JsonSerializer.Serialize(value, OutpostJson.Options).Trim('"'), WireName<T>.Name(value));
            Assert.Equal(value, WireName<T>.Parse(WireName<T>.Name(value)));
        }
    }
}
