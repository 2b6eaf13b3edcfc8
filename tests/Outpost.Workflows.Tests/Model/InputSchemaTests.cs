using Outpost.Workflows.Model;

namespace Outpost.Workflows.Tests.Model;

public sealed class InputSchemaTests
{
    private static readonly InputSchema Schema = new()
    {
        Properties = new Dictionary<string, InputProperty>
        {
            ["count"] = new() { Type = "integer", HasDefault = true, Default = 3L },
            ["template"] = new() { Type = "string", Enum = ["python", "go"] },
            ["names"] = new() { Type = "array" },
            ["ratio"] = new() { Type = "number" },
            ["dry"] = new() { Type = "boolean" },
        },
        Required = ["template"],
        AdditionalProperties = false,
    };

    [Fact]
    public void Defaults_fill_in_and_valid_values_pass()
    {
        var (values, errors) = Schema.Apply(new Dictionary<string, object?> { ["template"] = "go", ["names"] = new List<object?> { "a" }, ["ratio"] = 2L, ["dry"] = true });

        Assert.Empty(errors);
        Assert.Equal(3L, values["count"]);
        Assert.Equal("go", values["template"]);
    }

    [Fact]
    public void Every_problem_is_reported_naming_the_input()
    {
        var (_, errors) = Schema.Apply(new Dictionary<string, object?> { ["count"] = 1.5, ["names"] = "a,b", ["extra"] = 1L, ["dry"] = "yes" });

        Assert.Equal(
        [
            "input \"template\" is required",
            "input \"count\" must be of type integer, not number",
            "input \"dry\" must be of type boolean, not string",
            "input \"extra\" is not declared; the workflow takes count, dry, names, ratio, template",
            "input \"names\" must be of type array, not string",
        ], errors);
        Assert.Equal(["input \"template\" must be one of \"python\", \"go\", not \"rust\""], Schema.Apply(new Dictionary<string, object?> { ["template"] = "rust" }).Errors);
    }

    [Fact]
    public void An_integral_number_counts_as_an_integer_and_additional_inputs_pass_unless_refused()
    {
        Assert.True(InputSchema.IsOfType(4.0, "integer"));
        Assert.False(InputSchema.IsOfType(double.PositiveInfinity, "integer"));
        var open = new InputSchema { Properties = new Dictionary<string, InputProperty>() };
        Assert.Empty(open.Apply(new Dictionary<string, object?> { ["anything"] = null }).Errors);
    }
}
