using Outpost.Testing;

namespace Outpost.Cli.Tests.Auth;

/// <summary>Issue 13 point 10: the first-user flow asks again for each answer the server refuses, with the server's reason.</summary>
public sealed class FirstUserValidationTests(EmptyDeploymentFixture server) : IClassFixture<EmptyDeploymentFixture>
{
    [Fact]
    public async Task Each_refused_answer_is_asked_again_with_the_servers_reason()
    {
        var prompter = new ScriptedPrompter(
            "y", "not a username!", "not-an-email", "short", "short",
            // Asked again, in the order the server lists its reasons: email, username, password.
            "founder@example.com", "founder", "a-long-enough-password", "a-long-enough-password");
        using var cli = new TestCli { Prompter = prompter };

        var login = await cli.RunAsync("login", server.BaseAddress.ToString());

        Assert.True(login.ExitCode == 0, login.Stderr);
        Assert.Contains("The email must be a valid email address", login.Stderr, StringComparison.Ordinal);
        Assert.Contains("The username must be 1 to 32 letters or digits", login.Stderr, StringComparison.Ordinal);
        Assert.Contains("The password must be 8 to 256 characters", login.Stderr, StringComparison.Ordinal);
        Assert.Contains("Created the first user, founder, as owner.", login.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, prompter.Questions.Count(q => q == "Username"));
        Assert.Equal(2, prompter.Questions.Count(q => q == "Email"));
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
