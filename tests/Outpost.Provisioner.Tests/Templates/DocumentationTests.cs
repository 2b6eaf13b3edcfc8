using System.Text.RegularExpressions;
using Outpost.Provisioner.Environment;

namespace Outpost.Provisioner.Tests.Templates;

// docs/templates.md is what template authors copy from, so its examples must stay true.
public sealed partial class DocumentationTests
{
    private static IReadOnlyList<string> YamlBlocks() =>
        [.. YamlBlock().Matches(File.ReadAllText(RepositoryRoot.Combine("docs", "templates.md"))).Select(match => match.Groups[1].Value)];

    [Fact]
    public void The_full_example_in_the_docs_parses()
    {
        var template = TemplateParserTests.ParseOk(YamlBlocks()[0]);

        Assert.Equal(["main"], template.Agents.Select(agent => agent.Name));
        Assert.Equal("append", Assert.Single(template.Env).MergeStrategy);
    }

    [Fact]
    public void The_ordering_example_in_the_docs_gives_the_value_the_docs_state()
    {
        var template = TemplateParserTests.ParseOk("agents:\n  - name: main\n" + YamlBlocks().Single(block => block.Contains("PATH_EXTRA", StringComparison.Ordinal) && !block.Contains("agents:", StringComparison.Ordinal)));

        var environment = EnvironmentMerge.BuildAgentEnvironment(template.Env.Select(env => env.ToExtraEnv()), null);

        Assert.Equal("/opt/c:/opt/b:/usr/local/bin:/opt/a", environment.Variables!["PATH_EXTRA"]);
    }

    [Fact]
    public void The_secrets_example_in_the_docs_parses()
    {
        var template = TemplateParserTests.ParseOk(YamlBlocks().Single(block => block.Contains("secrets:", StringComparison.Ordinal)));

        Assert.Equal(3, Assert.Single(template.Agents).Secrets.Count);
    }

    [GeneratedRegex("```yaml\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex YamlBlock();
}
