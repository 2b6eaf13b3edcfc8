using System.CommandLine;
using Outpost.Cli.Hosting;
using Outpost.Cli.Sessions;
using Outpost.Sdk.Client;
using Outpost.Sdk.Users;

namespace Outpost.Cli.Auth;

/// <summary><c>outpost login &lt;url&gt;</c>: signs in with a password (creating the first user on a new deployment) or an API token.</summary>
internal static class LoginCommand
{
    public static Command Create(CliContext context)
    {
        var url = new Argument<string>("url") { Description = "The deployment URL, e.g. http://127.0.0.1:3000." };
        var token = new Option<string?>("--token") { Description = "Log in with an API token instead of a password (env OUTPOST_SESSION_TOKEN)." };
        var email = new Option<string?>("--email") { Description = "The account's email; asked for when missing." };
        var password = new Option<string?>("--password") { Description = "The password; asked for (without echo) when missing. Prefer the prompt: flags end up in shell history." };
        var firstUsername = new Option<string?>("--first-user-username") { Description = "Username of the first user, on a deployment without users." };
        var firstEmail = new Option<string?>("--first-user-email") { Description = "Email of the first user." };
        var firstPassword = new Option<string?>("--first-user-password") { Description = "Password of the first user." };
        var command = new Command("login", "Log in to an Outpost deployment and remember the session.")
        {
            url, token, email, password, firstUsername, firstEmail, firstPassword,
        };

        command.SetAction((result, cancellationToken) => CommandRunner.RunAsync(context, AuthSpans.Login(context, async ct =>
        {
            if (!TryNormalizeUrl(result.GetValue(url)!, out var deployment))
            {
                await context.Error.WriteLineAsync($"error: \"{result.GetValue(url)}\" is not a URL; use http(s)://host[:port]").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var anonymous = context.Anonymous(deployment);
            // Fails fast, with the reason, when the URL does not lead to an Outpost server.
            await anonymous.GetBuildInfoAsync(ct).ConfigureAwait(false);
            var apiToken = result.GetValue(token) ?? context.Environment("OUTPOST_SESSION_TOKEN");
            if (apiToken is not null)
            {
                return await LoginWithTokenAsync(context, deployment, apiToken, ct).ConfigureAwait(false);
            }

            if (!await anonymous.HasFirstUserAsync(ct).ConfigureAwait(false))
            {
                var created = await CreateFirstUserAsync(context, anonymous, result.GetValue(firstUsername), result.GetValue(firstEmail), result.GetValue(firstPassword), ct).ConfigureAwait(false);
                if (created is null)
                {
                    return ExitCodes.Usage;
                }

                return await LoginWithPasswordAsync(context, anonymous, deployment, created.Value.Email, created.Value.Password, ct).ConfigureAwait(false);
            }

            var emailValue = result.GetValue(email) ?? (context.Prompter is null ? null : await context.Prompter.AskAsync("Email", null, ct).ConfigureAwait(false));
            var passwordValue = result.GetValue(password) ?? (context.Prompter is null ? null : await context.Prompter.AskSecretAsync("Password", ct).ConfigureAwait(false));
            if (string.IsNullOrEmpty(emailValue) || string.IsNullOrEmpty(passwordValue))
            {
                await context.Error.WriteLineAsync("error: --email and --password are required when no terminal can ask for them (or use --token)").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            return await LoginWithPasswordAsync(context, anonymous, deployment, emailValue, passwordValue, ct).ConfigureAwait(false);
        }), cancellationToken));
        return command;
    }

    internal static bool TryNormalizeUrl(string value, out Uri url)
    {
        var candidate = value.Contains("://", StringComparison.Ordinal) ? value
            : value.StartsWith("localhost", StringComparison.OrdinalIgnoreCase) || value.StartsWith("127.", StringComparison.Ordinal) ? "http://" + value
            : "https://" + value;
        if (Uri.TryCreate(candidate, UriKind.Absolute, out var parsed) && (parsed.Scheme == Uri.UriSchemeHttp || parsed.Scheme == Uri.UriSchemeHttps) && parsed.Host.Length > 0)
        {
            url = new Uri(parsed.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/");
            return true;
        }

        url = null!;
        return false;
    }

    private static async Task<int> LoginWithTokenAsync(CliContext context, Uri deployment, string apiToken, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new BearerTokenHandler(() => apiToken, context.CreateTransport())) { BaseAddress = deployment };
        User me;
        try
        {
            me = await new OutpostApiClient(http).GetMeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OutpostApiException e) when (e.StatusCode == 401)
        {
            context.Failure = e;
            await context.Error.WriteLineAsync($"error: the token was refused: {e.Message}").ConfigureAwait(false);
            return ExitCodes.LoginRefused;
        }

        context.SessionFile.Save(new StoredSession { Url = deployment.ToString(), Kind = StoredSession.TokenKind, Username = me.Username, AccessToken = apiToken });
        await context.Error.WriteLineAsync($"Logged in to {deployment} as {me.Username} with an API token.").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static async Task<int> LoginWithPasswordAsync(CliContext context, OutpostApiClient anonymous, Uri deployment, string email, string password, CancellationToken cancellationToken)
    {
        LoginResponse login;
        try
        {
            login = await anonymous.LoginAsync(new LoginRequest { Email = email, Password = password }, cancellationToken).ConfigureAwait(false);
        }
        catch (OutpostApiException e) when (e.StatusCode is 401 or 429)
        {
            // A wrong password is the user's to fix; throttling (429) is a plain failure: try later.
            context.Failure = e;
            await context.Error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return e.StatusCode == 401 ? ExitCodes.LoginRefused : ExitCodes.Failure;
        }

        context.SessionFile.Save(SessionManager.FromLogin(deployment.ToString(), email, login, context.Time.GetUtcNow()));
        await context.Error.WriteLineAsync($"Logged in to {deployment} as {login.User.Username} ({login.User.Role}).").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static async Task<(string Email, string Password)?> CreateFirstUserAsync(
        CliContext context, OutpostApiClient anonymous, string? username, string? email, string? password, CancellationToken cancellationToken)
    {
        var prompter = context.Prompter;
        if (username is null || email is null || password is null)
        {
            if (prompter is null)
            {
                await context.Error.WriteLineAsync(
                    "error: this deployment has no users yet. Create the owner with --first-user-username, --first-user-email and --first-user-password, or run outpost login in a terminal.").ConfigureAwait(false);
                return null;
            }

            await context.Error.WriteLineAsync("This deployment has no users yet.").ConfigureAwait(false);
            if (!await prompter.ConfirmAsync("Create the first user (the owner) now?", cancellationToken).ConfigureAwait(false))
            {
                await context.Error.WriteLineAsync("error: no user was created; log in again when you are ready").ConfigureAwait(false);
                return null;
            }

            // Each answer is checked as it is given, with the server's own rules (UserRules), and
            // asked again with the reason; the server still decides when the user is created.
            username ??= await AskValidAsync(prompter, context, "Username", Environment.UserName, "username", UserRules.UsernameProblem, cancellationToken).ConfigureAwait(false);
            email ??= username is null ? null : await AskValidAsync(prompter, context, "Email", null, "email", UserRules.EmailProblem, cancellationToken).ConfigureAwait(false);
            password ??= email is null ? null : await AskValidPasswordAsync(prompter, context, cancellationToken).ConfigureAwait(false);
        }

        if (string.IsNullOrEmpty(username) || string.IsNullOrEmpty(email) || string.IsNullOrEmpty(password))
        {
            await context.Error.WriteLineAsync("error: a username, an email and a password are all required; nothing was created").ConfigureAwait(false);
            return null;
        }

        // The server's rules decide: each answer it refuses is asked again with its reason, the
        // accepted ones are kept. Without a terminal there is no one to ask, so the reasons are printed.
        string name = username, mail = email, secret = password;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var user = await anonymous.CreateFirstUserAsync(new CreateUserRequest { Username = name, Email = mail, Password = secret }, cancellationToken).ConfigureAwait(false);
                await context.Error.WriteLineAsync($"Created the first user, {user.Username}, as owner.").ConfigureAwait(false);
                return (mail, secret);
            }
            catch (OutpostApiException e) when (e.StatusCode == 400 && prompter is not null && attempt < MaxFirstUserAttempts && e.Problem?.Errors is { Count: > 0 } errors)
            {
                foreach (var (field, reasons) in errors)
                {
                    var reason = string.Join(", ", reasons);
                    switch (field.TrimStart('$', '.'))
                    {
                        case "username":
                            await context.Error.WriteLineAsync($"The username {reason}.").ConfigureAwait(false);
                            name = await prompter.AskAsync("Username", null, cancellationToken).ConfigureAwait(false) ?? name;
                            break;
                        case "email":
                            await context.Error.WriteLineAsync($"The email {reason}.").ConfigureAwait(false);
                            mail = await prompter.AskAsync("Email", null, cancellationToken).ConfigureAwait(false) ?? mail;
                            break;
                        case "password":
                            await context.Error.WriteLineAsync($"The password {reason}.").ConfigureAwait(false);
                            secret = await AskNewPasswordAsync(prompter, context, cancellationToken).ConfigureAwait(false) ?? secret;
                            break;
                        default:
                            await context.Error.WriteLineAsync($"error: {e.Message}; nothing was created").ConfigureAwait(false);
                            return null;
                    }
                }
            }
            catch (OutpostApiException e) when (e.StatusCode == 400)
            {
                await context.Error.WriteLineAsync($"error: {e.Message}; nothing was created").ConfigureAwait(false);
                return null;
            }
        }
    }

    private const int MaxFirstUserAttempts = 5;

    /// <summary>Asks until the answer passes <paramref name="rule"/>; null when the person stops answering or gives up.</summary>
    private static async Task<string?> AskValidAsync(IPrompter prompter, CliContext context, string question, string? defaultValue, string field,
        Func<string?, string?> rule, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxFirstUserAttempts; attempt++)
        {
            var answer = await prompter.AskAsync(question, defaultValue, cancellationToken).ConfigureAwait(false);
            if (answer is null)
            {
                return null;
            }

            var problem = rule(answer);
            if (problem is null)
            {
                return answer;
            }

            await context.Error.WriteLineAsync($"The {field} {problem}.").ConfigureAwait(false);
        }

        return null;
    }

    private static async Task<string?> AskValidPasswordAsync(IPrompter prompter, CliContext context, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxFirstUserAttempts; attempt++)
        {
            var password = await prompter.AskSecretAsync("Password", cancellationToken).ConfigureAwait(false);
            if (password is null)
            {
                return null;
            }

            if (UserRules.PasswordProblem(password) is { } problem)
            {
                await context.Error.WriteLineAsync($"The password {problem}.").ConfigureAwait(false);
                continue;
            }

            var confirm = await prompter.AskSecretAsync("Confirm password", cancellationToken).ConfigureAwait(false);
            if (password == confirm)
            {
                return password;
            }

            await context.Error.WriteLineAsync("The passwords do not match.").ConfigureAwait(false);
        }

        return null;
    }

    private static async Task<string?> AskNewPasswordAsync(IPrompter prompter, CliContext context, CancellationToken cancellationToken)
    {
        var password = await prompter.AskSecretAsync("Password", cancellationToken).ConfigureAwait(false);
        var confirm = await prompter.AskSecretAsync("Confirm password", cancellationToken).ConfigureAwait(false);
        if (password == confirm)
        {
            return password;
        }

        await context.Error.WriteLineAsync("The passwords do not match.").ConfigureAwait(false);
        return null;
    }
}
