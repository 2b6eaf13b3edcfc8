using System.Text;
using Outpost.Sdk.Secrets;

namespace Outpost.Sdk.Tests.Secrets;

public sealed class SecretEncodingTests
{
    [Fact]
    public void An_env_bound_secret_becomes_OUTPOST_SECRET_ENV_with_the_name_as_written()
    {
        var variables = SecretEncoding.Encode([new BuildSecret { EnvName = "GitHub_Token", Value = "v1" }]);
        Assert.Equal(new Dictionary<string, string> { ["OUTPOST_SECRET_ENV_GitHub_Token"] = "v1" }, variables);
    }

    [Fact]
    public void A_file_bound_secret_becomes_OUTPOST_SECRET_FILE_with_the_lowercase_hex_of_the_literal_path()
    {
        var variables = SecretEncoding.Encode([new BuildSecret { FilePath = "~/.ssh/id_rsa", Value = "key" }]);
        // "~/.ssh/id_rsa" byte by byte, the tilde kept.
        Assert.Equal("key", variables["OUTPOST_SECRET_FILE_7e2f2e7373682f69645f727361"]);
        Assert.Single(variables);
    }

    [Fact]
    public void A_secret_with_both_bindings_gives_both_variables_with_the_same_value()
    {
        var variables = SecretEncoding.Encode([new BuildSecret { EnvName = "A", FilePath = "/a", Value = "same" }]);
        Assert.Equal(2, variables.Count);
        Assert.Equal("same", variables["OUTPOST_SECRET_ENV_A"]);
        Assert.Equal("same", variables["OUTPOST_SECRET_FILE_2f61"]);
    }

    [Fact]
    public void A_secret_with_neither_binding_and_an_empty_list_give_nothing()
    {
        Assert.Empty(SecretEncoding.Encode([new BuildSecret { Value = "unbound" }]));
        Assert.Empty(SecretEncoding.Encode([]));
        Assert.Empty(SecretEncoding.Encode(null));
    }

    [Fact]
    public void Values_are_passed_raw()
    {
        var value = "line\nwith\ttab and = sign";
        Assert.Equal(value, SecretEncoding.Encode([new BuildSecret { EnvName = "X", Value = value }])["OUTPOST_SECRET_ENV_X"]);
    }

    [Fact]
    public void Non_ascii_paths_are_hex_encoded_as_utf8() =>
        Assert.Equal("OUTPOST_SECRET_FILE_2fc3a9", SecretEncoding.FileVariable("/é"));

    [Theory]
    [InlineData("OUTPOST_SECRET_ENV_X", true)]
    [InlineData("OUTPOST_SECRET_FILE_2f61", true)]
    [InlineData("CODER_SECRET_ENV_X", true)]
    [InlineData("CODER_AGENT_TOKEN", true)]
    [InlineData("OUTPOST_WORKSPACE_ID", false)]
    [InlineData("PATH", false)]
    public void Host_secret_and_coder_variables_are_stripped(string name, bool stripped) =>
        Assert.Equal(stripped, SecretEncoding.IsStrippedHostVariable(name));

    [Theory]
    [InlineData("GITHUB_TOKEN", "", "ghp_abc")]
    [InlineData("", "~/.config/gh/hosts.yml", "multi\nline")]
    [InlineData("BOTH", "/etc/é/x", "ünïcode value")]
    [InlineData("", "", "unbound")]
    [InlineData("E", "", "")]
    public void The_wire_size_equals_what_the_encoding_emits(string env, string file, string value)
    {
        var emitted = SecretEncoding.Encode([new BuildSecret { EnvName = env, FilePath = file, Value = value }])
            .Sum(entry => Encoding.UTF8.GetByteCount(entry.Key) + 1 + Encoding.UTF8.GetByteCount(entry.Value) + 1);
        Assert.Equal(emitted, SecretEncoding.WireSize(env, file, Encoding.UTF8.GetByteCount(value)));
    }

    [Fact]
    public void The_wire_size_follows_the_formula()
    {
        Assert.Equal(19 + 5 + 1 + 10 + 1, SecretEncoding.WireSize("TOKEN", null, 10));
        Assert.Equal(20 + (2 * 4) + 1 + 10 + 1, SecretEncoding.WireSize(null, "/a/b", 10));
        Assert.Equal((19 + 1 + 1 + 3 + 1) + (20 + 2 + 1 + 3 + 1), SecretEncoding.WireSize("A", "/", 3));
        Assert.Equal(0, SecretEncoding.WireSize(null, null, 100));
    }
}
