using Outpost.Sdk.Parameters;
using Outpost.Sdk.Provisioning;

namespace Outpost.Sdk.Tests.Parameters;

public sealed class ParameterResolverTests
{
    private static readonly TemplateVersionParameter Greeting = new() { Name = "greeting", Type = ParameterType.String, DefaultValue = "hello" };
    private static readonly TemplateVersionParameter Region = new() { Name = "region", Type = ParameterType.String, Options = ["eu", "us"], Mutable = false };
    private static readonly TemplateVersionParameter Cpus = new() { Name = "cpus", Type = ParameterType.Number, DefaultValue = "2" };
    private static readonly TemplateVersionParameter Gpu = new() { Name = "gpu", Type = ParameterType.Bool, DefaultValue = "false" };

    private static readonly TemplateVersionParameter[] All = [Greeting, Region, Cpus, Gpu];

    private static ParameterResolution Resolve(
        IReadOnlyDictionary<string, string>? previous,
        params (string Name, string Value)[] supplied) =>
        ParameterResolver.Resolve(All, previous, [.. supplied.Select(pair => new ParameterAssignment(pair.Name, pair.Value))]);

    private static string Only(ParameterResolution resolution)
    {
        Assert.False(resolution.Succeeded);
        Assert.Empty(resolution.Values);
        return Assert.Single(resolution.Errors).Message;
    }

    [Fact]
    public void A_first_build_takes_user_values_and_defaults_in_template_order()
    {
        var resolution = Resolve(null, ("gpu", "True"), ("region", "eu"));

        Assert.True(resolution.Succeeded);
        Assert.Equal(
            [
                new ResolvedParameter("greeting", "hello", ParameterSource.Default),
                new ResolvedParameter("region", "eu", ParameterSource.User),
                new ResolvedParameter("cpus", "2", ParameterSource.Default),
                new ResolvedParameter("gpu", "true", ParameterSource.User),
            ],
            resolution.Values);
    }

    [Fact]
    public void A_later_build_carries_the_previous_values_unless_the_user_changes_them()
    {
        var previous = new Dictionary<string, string> { ["greeting"] = "hi", ["region"] = "us", ["cpus"] = "4", ["gpu"] = "true" };

        var resolution = Resolve(previous, ("cpus", "8"));

        Assert.Equal(
            [
                new ResolvedParameter("greeting", "hi", ParameterSource.Previous),
                new ResolvedParameter("region", "us", ParameterSource.Previous),
                new ResolvedParameter("cpus", "8", ParameterSource.User),
                new ResolvedParameter("gpu", "true", ParameterSource.Previous),
            ],
            resolution.Values);
    }

    [Fact]
    public void A_parameter_added_since_the_previous_build_takes_its_default()
    {
        var resolution = Resolve(new Dictionary<string, string> { ["region"] = "eu", ["removed"] = "x" });

        Assert.True(resolution.Succeeded);
        Assert.Equal(ParameterSource.Default, resolution.Values.Single(value => value.Name == "greeting").Source);
        Assert.DoesNotContain(resolution.Values, value => value.Name == "removed");
    }

    [Fact]
    public void A_required_parameter_without_a_value_is_an_error_naming_it()
    {
        var message = Only(Resolve(null));

        Assert.Equal("parameter \"region\" is required: it has no default, so give it a value", message);
    }

    [Fact]
    public void An_unknown_parameter_names_the_close_match()
    {
        var message = Only(Resolve(null, ("region", "eu"), ("greting", "x")));

        Assert.Equal("unknown parameter \"greting\" (did you mean \"greeting\"?); the template has greeting, region, cpus, gpu", message);
    }

    [Fact]
    public void An_unknown_parameter_for_a_template_without_parameters_says_so()
    {
        var resolution = ParameterResolver.Resolve([], null, [new ParameterAssignment("x", "1")]);

        Assert.Equal("unknown parameter \"x\": the template has no parameters", Assert.Single(resolution.Errors).Message);
    }

    [Theory]
    [InlineData("cpus", "two", "parameter \"cpus\": \"two\" is not a number")]
    [InlineData("gpu", "yes", "parameter \"gpu\": \"yes\" is not a bool (use true or false)")]
    [InlineData("region", "asia", "parameter \"region\": \"asia\" is not one of the options: eu, us")]
    public void A_value_of_the_wrong_type_or_outside_the_options_is_an_error(string name, string value, string expected)
    {
        var supplied = name == "region" ? [(name, value)] : new[] { ("region", "eu"), (name, value) };

        Assert.Equal(expected, Only(Resolve(null, supplied)));
    }

    [Fact]
    public void An_immutable_parameter_cannot_change_after_the_first_build()
    {
        var message = Only(Resolve(new Dictionary<string, string> { ["region"] = "eu" }, ("region", "us")));

        Assert.Equal("parameter \"region\" is immutable: it is \"eu\" and cannot change to \"us\"", message);
    }

    [Fact]
    public void Giving_an_immutable_parameter_its_current_value_again_is_fine()
    {
        var resolution = Resolve(new Dictionary<string, string> { ["region"] = "eu" }, ("region", "eu"));

        Assert.True(resolution.Succeeded);
    }

    [Fact]
    public void Numbers_are_compared_by_value_when_checking_immutability()
    {
        var fixedCpus = Cpus with { Mutable = false };

        var resolution = ParameterResolver.Resolve(
            [fixedCpus],
            new Dictionary<string, string> { ["cpus"] = "2" },
            [new ParameterAssignment("cpus", "2.0")]);

        Assert.True(resolution.Succeeded);
    }

    [Fact]
    public void A_previous_value_the_new_template_version_no_longer_allows_must_be_replaced()
    {
        var message = Only(Resolve(new Dictionary<string, string> { ["region"] = "mars" }));

        Assert.Equal(
            "parameter \"region\": the previous build's value is no longer valid (\"mars\" is not one of the options: eu, us); give a new value",
            message);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var resolution = Resolve(null, ("cpus", "x"), ("nope", "1"), ("gpu", "true"), ("gpu", "false"));

        Assert.Equal(["nope", "gpu", "region", "cpus"], resolution.Errors.Select(error => error.Name));
    }

    [Theory]
    [InlineData("greeting=hi", "greeting", "hi")]
    [InlineData("url=http://x/?a=b", "url", "http://x/?a=b")]
    [InlineData("empty=", "empty", "")]
    [InlineData(" spaced =  kept ", "spaced", "  kept ")]
    public void Assignments_split_at_the_first_equals_sign(string text, string name, string value)
    {
        var (assignment, error) = ParameterResolver.ParseAssignment(text);

        Assert.Null(error);
        Assert.Equal(new ParameterAssignment(name, value), assignment);
    }

    [Theory]
    [InlineData("greeting")]
    [InlineData("=hi")]
    [InlineData("")]
    public void Text_without_a_name_and_an_equals_sign_is_not_an_assignment(string text)
    {
        var (assignment, error) = ParameterResolver.ParseAssignment(text);

        Assert.Null(assignment);
        Assert.Equal($"\"{text}\" is not name=value", error!.Message);
    }

    [Fact]
    public void Several_assignments_parse_together_and_report_each_bad_one()
    {
        var (assignments, errors) = ParameterResolver.ParseAssignments(["a=1", "b", "c=3", "=4"]);

        Assert.Equal(["a", "c"], assignments.Select(assignment => assignment.Name));
        Assert.Equal(2, errors.Count);
    }
}
