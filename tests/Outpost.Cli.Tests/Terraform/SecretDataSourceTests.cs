using Outpost.Sdk.Secrets;
using Outpost.TerraformProvider.Resources;

namespace Outpost.Cli.Tests.Terraform;

/// <summary>The <c>outpost_secret</c> data source's rules (coder-spec §1, consumer side), read directly.</summary>
public sealed class SecretDataSourceTests
{
    private static (SortedDictionary<string, object?> State, List<string> Errors) Read(Dictionary<string, string?> config, Dictionary<string, string> environment)
    {
        var state = new SortedDictionary<string, object?>(StringComparer.Ordinal) { ["help_message"] = "ask your admin" };
        foreach (var (key, value) in config)
        {
            state[key] = value;
        }

        var errors = new SecretDataSource().Read(state, new ProviderEnvironment(name => environment.GetValueOrDefault(name)))
            .Select(d => d.Summary + "\n\n" + d.Detail).ToList();
        return (state, errors);
    }

    private static Dictionary<string, string> Build(string transition, bool withBuildId = true, params (string Name, string Value)[] variables)
    {
        var environment = new Dictionary<string, string> { [ProviderEnvironment.Transition] = transition };
        if (withBuildId)
        {
            environment[ProviderEnvironment.BuildId] = Guid.NewGuid().ToString();
        }

        foreach (var (name, value) in variables)
        {
            environment[name] = value;
        }

        return environment;
    }

    [Fact]
    public void The_value_comes_from_the_encoded_env_variable()
    {
        var (state, errors) = Read(new() { ["env"] = "GITHUB_TOKEN" }, Build("start", true, (SecretEncoding.EnvVariable("GITHUB_TOKEN"), "gh-value")));
        Assert.Empty(errors);
        Assert.Equal(("gh-value", "env:GITHUB_TOKEN"), ((string?)state["value"], (string?)state["id"]));
    }

    [Fact]
    public void The_value_comes_from_the_encoded_file_variable_of_the_literal_path()
    {
        var (state, errors) = Read(new() { ["file"] = "~/.ssh/id_ed25519" }, Build("start", true, ("OUTPOST_SECRET_FILE_7e2f2e7373682f69645f65643235353139", "key")));
        Assert.Empty(errors);
        Assert.Equal(("key", "file:~/.ssh/id_ed25519"), ((string?)state["value"], (string?)state["id"]));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("A", "/b")]
    public void Exactly_one_of_env_or_file(string? env, string? file)
    {
        var (_, errors) = Read(new() { ["env"] = env, ["file"] = file }, Build("start"));
        Assert.Contains("exactly one of `env` or `file` must be set", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_secret_on_a_start_build_fails_with_the_specs_paragraphs()
    {
        var (_, errors) = Read(new() { ["env"] = "GITHUB_TOKEN" }, Build("start"));
        var error = Assert.Single(errors);
        Assert.StartsWith("Missing required secret: environment variable \"GITHUB_TOKEN\"", error, StringComparison.Ordinal);
        Assert.Contains("\n\nRequired: ", error, StringComparison.Ordinal);
        Assert.Contains("\n\nHelp message: ask your admin", error, StringComparison.Ordinal);
        Assert.Contains("\n\nTo resolve: ensure a secret exposes the environment variable \"GITHUB_TOKEN\"", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("stop", true)]
    [InlineData("delete", true)]
    [InlineData("start", false)]
    public void A_missing_secret_on_stop_or_outside_a_build_is_empty(string transition, bool withBuildId)
    {
        var (state, errors) = Read(new() { ["file"] = "/etc/creds" }, Build(transition, withBuildId));
        Assert.Empty(errors);
        Assert.Equal(string.Empty, state["value"]);
    }
}
