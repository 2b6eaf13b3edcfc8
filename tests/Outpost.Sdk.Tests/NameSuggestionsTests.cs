namespace Outpost.Sdk.Tests;

public sealed class NameSuggestionsTests
{
    [Theory]
    [InlineData("agnets", "agents")]
    [InlineData("greting", "greeting")]
    [InlineData("Agents", "agents")]
    public void A_small_slip_suggests_the_intended_name(string input, string expected) =>
        Assert.Equal(expected, NameSuggestions.Closest(input, ["name", "agents", "greeting", "env"])[0]);

    [Fact]
    public void A_name_unlike_any_candidate_gets_no_suggestion()
    {
        Assert.Empty(NameSuggestions.Closest("volumes", ["name", "agents", "env"]));
        Assert.Equal("", NameSuggestions.DidYouMean("volumes", ["name", "agents", "env"]));
    }
}
