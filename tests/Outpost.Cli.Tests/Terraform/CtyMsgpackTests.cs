using Outpost.TerraformProvider.Cty;
using Outpost.TerraformProvider.Resources;

namespace Outpost.Cli.Tests.Terraform;

public sealed class CtyMsgpackTests
{
    [Fact]
    public void Objects_round_trip_with_every_attribute_including_unknown_and_null_ones()
    {
        var type = new AgentResource().Schema.ImpliedType();
        var value = new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["os"] = "linux",
            ["arch"] = "amd64",
            ["env"] = new SortedDictionary<string, object?>(StringComparer.Ordinal) { ["A"] = "1" },
            ["connection_timeout"] = 120m,
            ["token"] = Unknown.Value,
        };

        var decoded = (SortedDictionary<string, object?>)CtyMsgpack.Decode(CtyMsgpack.Encode(value, type), type)!;

        Assert.Equal(type.Attributes.Select(pair => pair.Key), decoded.Keys);
        Assert.Equal("linux", decoded["os"]);
        Assert.Equal(120m, decoded["connection_timeout"]);
        Assert.Same(Unknown.Value, decoded["token"]);
        Assert.Null(decoded["dir"]);
        Assert.Equal("1", ((SortedDictionary<string, object?>)decoded["env"]!)["A"]);
    }

    [Fact]
    public void Types_encode_as_the_protocol_names_them_and_unknowns_as_ctys_extension()
    {
        Assert.Equal("\"string\"", System.Text.Encoding.UTF8.GetString(CtyType.String.ToJson()));
        Assert.Equal("[\"map\",\"string\"]", System.Text.Encoding.UTF8.GetString(CtyType.Map(CtyType.String).ToJson()));
        Assert.Equal([0xd4, 0x00, 0x00], CtyMsgpack.Encode(Unknown.Value, CtyType.String));
        // A refined unknown (extension code 12) reads as unknown too.
        Assert.Same(Unknown.Value, CtyMsgpack.Decode(new byte[] { 0xc7, 0x01, 0x0c, 0x80 }, CtyType.String));
        Assert.Equal(1.5m, CtyMsgpack.Decode(CtyMsgpack.Encode(1.5m, CtyType.Number), CtyType.Number));
    }
}
