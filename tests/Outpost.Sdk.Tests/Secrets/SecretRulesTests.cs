using Outpost.Sdk.Secrets;

namespace Outpost.Sdk.Tests.Secrets;

public sealed class SecretRulesTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("GITHUB_TOKEN")]
    [InlineData("_private")]
    [InlineData("a1")]
    [InlineData("Outposting")]
    [InlineData("GITHUB")]
    [InlineData("LCX")]
    public void Valid_env_names_and_no_env_name_pass(string? name) => Assert.Null(SecretRules.CheckEnvName(name));

    [Theory]
    [InlineData("1ABC")]
    [InlineData("A-B")]
    [InlineData("A B")]
    [InlineData("É")]
    [InlineData("A=B")]
    public void Env_names_outside_the_posix_form_are_refused_with_must_start_with(string name)
    {
        var violation = SecretRules.CheckEnvName(name);
        Assert.NotNull(violation);
        Assert.Equal(SecretField.Env, violation.Field);
        Assert.Contains("must start with", violation.Message, StringComparison.Ordinal);
        Assert.Equal(ProblemCodes.SecretEnvInvalid, violation.Code);
        Assert.Equal("env_name", violation.FieldName);
    }

    public static TheoryData<string> ReservedNames() => [.. SecretRules.ReservedEnvNames, "path", "Home", "xdg_state_home"];

    [Theory]
    [MemberData(nameof(ReservedNames))]
    public void Every_reserved_name_is_refused_whatever_its_case(string name)
    {
        var violation = SecretRules.CheckEnvName(name);
        Assert.NotNull(violation);
        Assert.Contains("reserved", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_reserved_list_is_the_specs()
    {
        string[] spec =
        [
            "PATH", "HOME", "SHELL", "USER", "LOGNAME", "PWD", "OLDPWD", "LANG", "TERM", "IFS", "CDPATH", "ENV", "BASH_ENV", "TMPDIR", "TMP",
            "TEMP", "HOSTNAME", "SSH_AUTH_SOCK", "SSH_CLIENT", "SSH_CONNECTION", "SSH_TTY", "EDITOR", "VISUAL", "PAGER", "VSCODE_PROXY_URI",
            "CS_DISABLE_GETTING_STARTED_OVERRIDE", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME",
        ];
        Assert.Equal(spec.Order(StringComparer.Ordinal), SecretRules.ReservedEnvNames.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("OUTPOST_TOKEN", "OUTPOST_")]
    [InlineData("outpost_token", "OUTPOST_")]
    [InlineData("OUTPOST", "OUTPOST_")]
    [InlineData("CODER_AGENT_TOKEN", "CODER_")]
    [InlineData("coder", "CODER_")]
    [InlineData("GIT_ASKPASS", "GIT_")]
    [InlineData("Git_Dir", "GIT_")]
    [InlineData("LC_ALL", "LC_")]
    [InlineData("ld_preload", "LD_")]
    [InlineData("DYLD_INSERT_LIBRARIES", "DYLD_")]
    public void Reserved_prefixes_are_refused_case_insensitively_and_named(string name, string prefix)
    {
        var violation = SecretRules.CheckEnvName(name);
        Assert.NotNull(violation);
        Assert.Contains(prefix, violation.Message, StringComparison.Ordinal);
        Assert.Contains("reserved prefix", violation.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("~/.ssh/id_ed25519")]
    [InlineData("/etc/app/credentials")]
    [InlineData("~/")]
    [InlineData("/")]
    public void File_paths_starting_with_tilde_slash_or_slash_pass(string? path) => Assert.Null(SecretRules.CheckFilePath(path));

    [Theory]
    [InlineData("~foo")]
    [InlineData("foo/bar")]
    [InlineData(".ssh/x")]
    [InlineData("credentials")]
    public void Relative_file_paths_are_refused(string path)
    {
        var violation = SecretRules.CheckFilePath(path);
        Assert.NotNull(violation);
        Assert.Equal(ProblemCodes.SecretFileInvalid, violation.Code);
        Assert.Equal("file_path", violation.FieldName);
        Assert.Contains("must start with ~/ or /", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_path_with_a_nul_byte_is_refused() =>
        Assert.Contains("NUL", SecretRules.CheckFilePath("/tmp/a\0b")!.Message, StringComparison.Ordinal);

    [Fact]
    public void A_file_path_is_bounded_at_4096_bytes()
    {
        Assert.Null(SecretRules.CheckFilePath("/" + new string('a', 4095)));
        Assert.NotNull(SecretRules.CheckFilePath("/" + new string('a', 4096)));
        // Bytes, not characters: 2,048 two-byte characters after the slash are 4,097 bytes.
        Assert.NotNull(SecretRules.CheckFilePath("/" + new string('é', 2048)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("line one\nline two\n")]
    [InlineData("tab\there")]
    public void Empty_values_and_values_with_newlines_or_tabs_pass(string value) => Assert.Null(SecretRules.CheckValue(value));

    [Fact]
    public void A_value_with_a_nul_byte_is_refused_without_repeating_it()
    {
        var violation = SecretRules.CheckValue("hunter2\0tail");
        Assert.NotNull(violation);
        Assert.Equal(ProblemCodes.SecretValueInvalid, violation.Code);
        Assert.DoesNotContain("hunter2", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_is_bounded_at_32_KiB_of_utf8()
    {
        Assert.Equal(32 * 1024, SecretRules.MaxValueBytes);
        Assert.True(SecretRules.MaxValueBytes <= SecretRules.MaxPayloadBytes / 8);
        Assert.Null(SecretRules.CheckValue(new string('x', SecretRules.MaxValueBytes)));
        Assert.NotNull(SecretRules.CheckValue(new string('x', SecretRules.MaxValueBytes + 1)));
        Assert.NotNull(SecretRules.CheckValue(new string('é', (SecretRules.MaxValueBytes / 2) + 1)));
    }

    [Fact]
    public void A_missing_value_is_refused() => Assert.Equal(SecretField.Value, SecretRules.CheckValue(null)!.Field);

    [Theory]
    [InlineData("github-token")]
    [InlineData("aws.credentials")]
    [InlineData("A_1")]
    public void Valid_secret_names_pass(string name) => Assert.Null(SecretRules.CheckName(name));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("-lead")]
    [InlineData("with space")]
    [InlineData("slash/inside")]
    public void Invalid_secret_names_are_refused(string? name) => Assert.Equal(ProblemCodes.SecretNameInvalid, SecretRules.CheckName(name)!.Code);

    [Fact]
    public void A_secret_name_is_bounded()
    {
        Assert.Null(SecretRules.CheckName(new string('a', SecretRules.MaxNameLength)));
        Assert.NotNull(SecretRules.CheckName(new string('a', SecretRules.MaxNameLength + 1)));
    }

    [Fact]
    public void A_description_is_bounded()
    {
        Assert.Null(SecretRules.CheckDescription(new string('d', SecretRules.MaxDescriptionLength)));
        Assert.Equal(ProblemCodes.SecretDescriptionInvalid, SecretRules.CheckDescription(new string('d', SecretRules.MaxDescriptionLength + 1))!.Code);
    }

    [Fact]
    public void At_most_100_secrets_per_user()
    {
        Assert.Null(SecretRules.CheckBudget(100, 0));
        var violation = SecretRules.CheckBudget(101, 0);
        Assert.Equal(ProblemCodes.SecretLimitReached, violation!.Code);
    }

    [Fact]
    public void The_build_time_wire_size_is_at_most_256_KiB()
    {
        Assert.Null(SecretRules.CheckBudget(1, 256 * 1024));
        Assert.Equal(ProblemCodes.SecretPayloadTooLarge, SecretRules.CheckBudget(1, (256 * 1024) + 1)!.Code);
    }

    [Fact]
    public void Check_reports_the_first_broken_field_in_order()
    {
        Assert.Equal(SecretField.Env, SecretRules.Check("ok", "PATH", "relative", "v", null)!.Field);
        Assert.Equal(SecretField.File, SecretRules.Check("ok", "FINE", "relative", "v", null)!.Field);
        Assert.Null(SecretRules.Check("ok", "FINE", "~/x", "v", null));
    }

    [Fact]
    public void A_build_secret_never_prints_its_value()
    {
        var secret = new BuildSecret { EnvName = "TOKEN", Value = "canary-value-7" };
        Assert.DoesNotContain("canary-value-7", secret.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("canary-value-7", new CreateUserSecretRequest { Name = "n", Value = "canary-value-7" }.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("canary-value-7", new UpdateUserSecretRequest { Value = "canary-value-7" }.ToString(), StringComparison.Ordinal);
    }
}
