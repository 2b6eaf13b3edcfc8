using Outpost.Sdk.Users;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Auth;

/// <summary>
/// Issue 13 point 10: the first-user flow checks each answer as it is typed, with the server's own
/// rules and reasons, and asks that question again before going on to the next.
/// </summary>
public sealed class FirstUserValidationTests(EmptyDeploymentFixture server) : IClassFixture<EmptyDeploymentFixture>
{
    [Fact]
    public async Task Each_answer_is_checked_as_it_is_typed_and_asked_again_with_the_servers_reason()
    {
        var prompter = new ScriptedPrompter(
            "y",
            "not a username!", "founder",
            "not-an-email", "founder@example.com",
            "short", "a-long-enough-password", "a-different-password",
            "a-long-enough-password", "a-long-enough-password");
        using var cli = new TestCli { Prompter = prompter };

        var login = await cli.RunAsync("login", server.BaseAddress.ToString());

        Assert.True(login.ExitCode == 0, login.Stderr);
        Assert.Contains($"The username {UserRules.UsernameProblem("not a username!")}.", login.Stderr, StringComparison.Ordinal);
        Assert.Contains($"The email {UserRules.EmailProblem("not-an-email")}.", login.Stderr, StringComparison.Ordinal);
        Assert.Contains($"The password {UserRules.PasswordProblem("short")}.", login.Stderr, StringComparison.Ordinal);
        Assert.Contains("The passwords do not match.", login.Stderr, StringComparison.Ordinal);
        Assert.Contains("Created the first user, founder, as owner.", login.Stderr, StringComparison.Ordinal);
        // A refused answer is asked again at once: the next question waits for a valid one.
        Assert.Equal(
            ["Username", "Username", "Email", "Email", "Password", "Password", "Confirm password", "Password", "Confirm password"],
            prompter.Questions.Skip(1).Take(9));
    }
}

/// <summary>Without a terminal, the validation problem's field errors are printed, not only its summary.</summary>
public sealed class FirstUserFieldErrorsTests(EmptyDeploymentFixture server) : IClassFixture<EmptyDeploymentFixture>
{
    [Fact]
    public async Task The_cli_prints_the_field_errors_of_a_validation_problem()
    {
        using var cli = new TestCli();

        var login = await cli.RunAsync("login", server.BaseAddress.ToString(),
            "--first-user-username", "ok-name", "--first-user-email", "nope", "--first-user-password", "a-long-enough-password");

        Assert.NotEqual(0, login.ExitCode);
        Assert.Contains("email must be a valid email address", login.Stderr, StringComparison.Ordinal);
        Assert.Contains("nothing was created", login.Stderr, StringComparison.Ordinal);
    }
}
