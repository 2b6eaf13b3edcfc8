using System.CommandLine;
using Outpost.Cli.Hosting;
using Outpost.Cli.Sessions;
using Outpost.Sdk.Client;

namespace Outpost.Cli.Auth;

/// <summary><c>outpost logout</c>: ends the session on the server and forgets it here.</summary>
internal static class LogoutCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("logout", "Log out: revoke the session on the server and delete the local session file.");
        command.SetAction((_, cancellationToken) => CommandRunner.RunAsync(context, AuthSpans.Logout(context, async ct =>
        {
            var (session, problem) = context.SessionFile.Load();
            if (session is null)
            {
                context.SessionFile.Delete();
                await context.Error.WriteLineAsync(problem is null ? "Not logged in." : $"Removed an unreadable session file ({problem}).").ConfigureAwait(false);
                return ExitCodes.Success;
            }

            if (session.Kind == StoredSession.PasswordKind)
            {
                context.Telemetry.SetDeploymentUrl(session.Url);
                using var http = new HttpClient(new BearerTokenHandler(() => session.AccessToken, context.CreateTransport())) { BaseAddress = new Uri(session.Url) };
                try
                {
                    await new OutpostApiClient(http).LogoutAsync(ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is OutpostApiException or HttpRequestException)
                {
                    // An expired or revoked session is already over on the server; forgetting it is what is left.
                    await context.Error.WriteLineAsync($"note: the server did not confirm the logout ({e.Message})").ConfigureAwait(false);
                }
            }

            context.SessionFile.Delete();
            await context.Error.WriteLineAsync($"Logged out of {session.Url}.").ConfigureAwait(false);
            return ExitCodes.Success;
        }), cancellationToken));
        return command;
    }
}
