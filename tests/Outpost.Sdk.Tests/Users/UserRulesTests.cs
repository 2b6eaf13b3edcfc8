using Outpost.Sdk.Users;

namespace Outpost.Sdk.Tests.Users;

public sealed class UserRulesTests
{
    [Theory]
    [InlineData("jane-doe", true)]
    [InlineData("a", true)]
    [InlineData("Jane2", true)]
    [InlineData("", false)]
    [InlineData("-jane", false)]
    [InlineData("jane--doe", false)]
    [InlineData("jane doe", false)]
    [InlineData("abcdefghijabcdefghijabcdefghijabc", false)]
    public void Usernames_are_letters_or_digits_with_single_hyphens(string value, bool valid) =>
        Assert.Equal(valid, UserRules.UsernameProblem(value) is null);

    [Theory]
    [InlineData("dev@example.com", true)]
    [InlineData("dev@localhost", false)]
    [InlineData(" dev@example.com", false)]
    [InlineData("not-an-email", false)]
    [InlineData(null, false)]
    public void Emails_need_a_dotted_host_and_no_padding(string? value, bool valid) =>
        Assert.Equal(valid, UserRules.EmailProblem(value) is null);

    [Fact]
    public void Passwords_are_bounded_on_both_sides()
    {
        Assert.Equal("must be 8 to 256 characters", UserRules.PasswordProblem("1234567"));
        Assert.Null(UserRules.PasswordProblem("12345678"));
        Assert.Null(UserRules.PasswordProblem(new string('x', 256)));
        Assert.NotNull(UserRules.PasswordProblem(new string('x', 257)));
        Assert.NotNull(UserRules.PasswordProblem(null));
    }

    [Fact]
    public void Names_may_be_empty_but_not_long()
    {
        Assert.Null(UserRules.NameProblem(null));
        Assert.Null(UserRules.NameProblem(""));
        Assert.NotNull(UserRules.NameProblem(new string('n', 129)));
    }
}
