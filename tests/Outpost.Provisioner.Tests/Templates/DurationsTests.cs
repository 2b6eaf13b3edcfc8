using Outpost.Provisioner.Templates;

namespace Outpost.Provisioner.Tests.Templates;

public sealed class DurationsTests
{
    [Theory]
    [InlineData("0", 0)]
    [InlineData("0s", 0)]
    [InlineData("30s", 30)]
    [InlineData("300", 300)]
    [InlineData("5m", 300)]
    [InlineData("1h", 3600)]
    [InlineData("1h30m", 5400)]
    [InlineData("2m5s", 125)]
    [InlineData("24h", 86400)]
    public void Durations_in_the_documented_forms_parse(string text, int seconds)
    {
        Assert.True(Durations.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-5s")]
    [InlineData("5 m")]
    [InlineData("1.5h")]
    [InlineData("30m1h")]
    [InlineData("5d")]
    [InlineData("24h1s")]
    [InlineData("86401")]
    [InlineData("99999999999s")]
    public void Other_text_is_not_a_duration(string text) =>
        Assert.False(Durations.TryParse(text, out _));
}
