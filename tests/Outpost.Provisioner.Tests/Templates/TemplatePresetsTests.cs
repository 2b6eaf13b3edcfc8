using Outpost.Sdk.Provisioning;
using static Outpost.Provisioner.Tests.Templates.TemplateParserTests;

namespace Outpost.Provisioner.Tests.Templates;

public sealed class TemplatePresetsTests
{
    private const string Parameters = """
        parameters:
          - name: size
            default: small
            options: [small, large]
          - name: region
            default: eu
        agents:
          - name: main
        """;

    [Fact]
    public void Presets_are_read_with_their_parameters_and_prebuild_instances()
    {
        var template = ParseOk(Parameters + """

            presets:
              - name: small
                description: for most
                default: true
                parameters:
                  size: small
                  region: us
                prebuilds:
                  instances: 2
              - name: large
                parameters:
                  size: large
            """);

        Assert.Equal(["small", "large"], template.Presets.Select(p => p.Name));
        var small = template.Presets[0];
        Assert.Equal(("for most", true, 2), (small.Description, small.Default, small.Prebuilds?.Instances));
        Assert.Equal(new Dictionary<string, string> { ["size"] = "small", ["region"] = "us" }, small.Parameters);
        Assert.Null(template.Presets[1].Prebuilds);
    }

    [Fact]
    public void A_preset_naming_a_parameter_the_template_lacks_fails_with_its_line()
    {
        var errors = ParseErrors(Parameters + """

            presets:
              - name: odd
                parameters:
                  colour: red
            """);

        Assert.Contains(errors, e => e.Contains("colour", StringComparison.Ordinal) && e.Contains("outpost.yaml:12:7: unknown key", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("parameters: { size: huge }", "not one of its options")]
    [InlineData("prebuilds: { instances: -1 }", "whole number")]
    [InlineData("prebuilds: { instances: 101 }", "whole number")]
    [InlineData("prebuilds: {}", "needs a \"instances\"")]
    public void Bad_preset_values_are_refused_naming_the_field(string line, string expected)
    {
        var errors = ParseErrors(Parameters + $"""

            presets:
              - name: bad
                {line}
            """);

        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Preset_names_are_unique_and_at_most_one_is_the_default()
    {
        var errors = ParseErrors(Parameters + """

            presets:
              - name: a
                default: true
              - name: a
              - name: b
                default: true
            """);

        Assert.Contains(errors, e => e.Contains("declared twice", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("only one preset may be the default", StringComparison.Ordinal));
    }

    [Fact]
    public void The_import_result_carries_the_presets()
    {
        var template = ParseOk(Parameters + """

            presets:
              - name: small
                prebuilds: { instances: 1 }
            """);
        Assert.Equal([new PresetPrebuilds { Instances = 1 }], template.Presets.Select(p => p.Prebuilds));
    }
}
