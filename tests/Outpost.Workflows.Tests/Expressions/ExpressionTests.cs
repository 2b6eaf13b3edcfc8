using Outpost.Workflows.Expressions;

namespace Outpost.Workflows.Tests.Expressions;

public sealed class ExpressionTests
{
    private static readonly Dictionary<string, object?> Context = new()
    {
        ["inputs"] = new Dictionary<string, object?>
        {
            ["count"] = 3L,
            ["ratio"] = 0.5,
            ["template"] = "python",
            ["names"] = new List<object?> { "ada", "bob", "cy" },
            ["dry"] = false,
            ["empty"] = "",
            ["owner"] = new Dictionary<string, object?> { ["name"] = "Ada", ["team"] = null },
            ["with.dot"] = "dotted",
        },
        ["self"] = new Dictionary<string, object?> { ["item"] = "bob" },
        ["workflowRunId"] = "run-1",
    };

    private static object? Eval(string expression) => ExpressionEvaluator.Evaluate(expression, Context);

    public static TheoryData<string, object?> Values => new()
    {
        { "inputs.count", 3L },
        { "inputs.template", "python" },
        { "inputs.owner.name", "Ada" },
        { "inputs.owner.team", null },
        { "inputs.owner.missing", null },
        { "inputs.missing.deeper", null },
        { "inputs['with.dot']", "dotted" },
        { "inputs.names[1]", "bob" },
        { "inputs.names[7]", null },
        { "inputs.names[-1]", null },
        { "self.item", "bob" },
        { "'it''s'", "it's" },
        { "\"tab\\tnew\\nline\"", "tab\tnew\nline" },
        { "-2", -2L },
        { "1.25", 1.25 },
        { "null", null },
        { "inputs.count == 3", true },
        { "inputs.count == 3.0", true },
        { "inputs.count != 3", false },
        { "inputs.count > 2 && inputs.count <= 3", true },
        { "inputs.ratio < 1", true },
        { "inputs.template == 'python'", true },
        { "inputs.template == 'Python'", false },
        { "'a' < 'b'", true },
        { "inputs.count == '3'", false },
        { "null == inputs.owner.team", true },
        { "!inputs.dry", true },
        { "!inputs.empty", true },
        { "!!inputs.template", true },
        { "inputs.dry || inputs.count == 3", true },
        { "inputs.dry && inputs.missing.x == 1", false },
        { "(inputs.dry || true) && !(inputs.count < 1)", true },
        { "contains(inputs.names, 'cy')", true },
        { "contains(inputs.template, 'th')", true },
        { "contains(inputs.owner, 'name')", true },
        { "startsWith(inputs.template, 'py')", true },
        { "endsWith(inputs.template, 'on')", true },
        { "upper(inputs.template)", "PYTHON" },
        { "lower('MiXed')", "mixed" },
        { "trim('  x ')", "x" },
        { "replace('a-b-c', '-', '_')", "a_b_c" },
        { "join(inputs.names, '+')", "ada+bob+cy" },
        { "join(split('a,b', ','), ';')", "a;b" },
        { "length(inputs.names)", 3L },
        { "length(inputs.template)", 6L },
        { "format('{0}-{1}-{{x}}', inputs.template, inputs.count)", "python-3-{x}" },
        { "toJson(inputs.names)", "[\"ada\",\"bob\",\"cy\"]" },
        { "string(inputs.ratio)", "0.5" },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void Expressions_evaluate_to_their_values(string expression, object? expected) => Assert.Equal(expected, Eval(expression));

    [Theory]
    [InlineData("inputs.", "position 8: expected a property name")]
    [InlineData("inputs.count ==", "unexpected end of expression")]
    [InlineData("(inputs.count", "expected \")\" before the end")]
    [InlineData("'open", "the string is not closed")]
    [InlineData("inputs.count = 3", "unexpected \"=\"")]
    [InlineData("exec('rm -rf /')", "unknown function \"exec\"; the functions are contains, endsWith, format")]
    [InlineData("inputs.count $ 1", "unexpected \"$\"")]
    [InlineData("System.IO.File", "unknown name \"System\"; known: inputs, self, workflowRunId")]
    [InlineData("secrets.token", "unknown name \"secrets\"")]
    [InlineData("inputs.template.length", "cannot read property \"length\" of a string")]
    [InlineData("inputs.names < 3", "cannot compare a list with a number using <")]
    [InlineData("upper(inputs.names)", "expected a string, got a list")]
    [InlineData("lower()", "lower() takes 1 argument(s), not 0")]
    [InlineData("format('{5}', 1)", "bad placeholder")]
    [InlineData("inputs.names['x']", "cannot index a list with a string")]
    public void Bad_expressions_are_errors_that_name_the_expression(string expression, string problem)
    {
        var error = Assert.Throws<ExpressionException>(() => Eval(expression));
        Assert.Contains($"\"{expression}\"", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Length_and_depth_are_bounded()
    {
        Assert.Contains("longer than", Assert.Throws<ExpressionException>(() => Eval(new string(' ', ExpressionParser.MaxLength + 1))).Message, StringComparison.Ordinal);
        var deep = new string('(', ExpressionParser.MaxDepth + 1) + "1" + new string(')', ExpressionParser.MaxDepth + 1);
        Assert.Contains("nested deeper", Assert.Throws<ExpressionException>(() => Eval(deep)).Message, StringComparison.Ordinal);
        var notDeep = new string('!', ExpressionParser.MaxDepth + 1) + "true";
        Assert.Contains("nested deeper", Assert.Throws<ExpressionException>(() => Eval(notDeep)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_string_that_is_one_expression_keeps_its_type_and_embedded_ones_become_text()
    {
        Assert.Equal(3L, TemplateString.Evaluate("${{ inputs.count }}", Context));
        Assert.Equal(Context["inputs"] is Dictionary<string, object?> inputs ? inputs["names"] : null, TemplateString.Evaluate(" ${{inputs.names}} ", Context));
        Assert.Equal("ws-bob-3", TemplateString.Evaluate("ws-${{ self.item }}-${{ inputs.count }}", Context));
        Assert.Equal("team=", TemplateString.Evaluate("team=${{ inputs.owner.team }}", Context));
        Assert.Equal("names: [\n  \"ada\",\n  \"bob\",\n  \"cy\"\n]".ReplaceLineEndings(), TemplateString.Evaluate("names: ${{ inputs.names }}", Context) as string);
        Assert.Equal("braces }} in '}}'", TemplateString.Evaluate("braces }} in ${{ '''}}''' }}", Context));
        Assert.Equal("no expressions", TemplateString.Evaluate("no expressions", Context));
        Assert.Contains("is not closed", Assert.Throws<ExpressionException>(() => TemplateString.Evaluate("x ${{ inputs.count", Context)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Values_inside_mappings_and_lists_are_resolved()
    {
        var resolved = TemplateString.Resolve(new Dictionary<string, object?>
        {
            ["name"] = "ws-${{ self.item }}",
            ["count"] = "${{ inputs.count }}",
            ["args"] = new List<object?> { "${{ inputs.template }}", 7L },
            ["plain"] = true,
        }, Context);

        var map = Assert.IsType<Dictionary<string, object?>>(resolved);
        Assert.Equal("ws-bob", map["name"]);
        Assert.Equal(3L, map["count"]);
        Assert.Equal(["python", 7L], Assert.IsType<List<object?>>(map["args"]));
        Assert.Equal(true, map["plain"]);
    }
}
