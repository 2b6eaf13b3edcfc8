using System.Net.Sockets;
using Outpost.Cli.Sessions;
using Outpost.Sdk.Client;

namespace Outpost.Cli.Hosting;

/// <summary>Turns the failures every verb shares into one clear line on stderr and a named exit code.</summary>
internal static class CommandRunner
{
    public static async Task<int> RunAsync(CliContext context, Func<CancellationToken, Task<int>> body, CancellationToken commandLineToken)
    {
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(commandLineToken, context.Interrupt);
        var cancellationToken = interrupt.Token;
        try
        {
            return await body(cancellationToken).ConfigureAwait(false);
        }
        catch (SessionExpiredException e)
        {
            context.Failure = e;
            await context.Error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return ExitCodes.SessionExpired;
        }
        catch (OutpostApiException e)
        {
            context.Failure = e;
            await context.Error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return ExitCodeOf(e);
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException || e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError)
        {
            context.Failure = e;
            await context.Error.WriteLineAsync($"error: cannot reach the server: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Unreachable;
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            context.Failure = e;
            await context.Error.WriteLineAsync("error: the server did not answer in time").ConfigureAwait(false);
            return ExitCodes.Unreachable;
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            context.Failure = e;
            await context.Error.WriteLineAsync("Interrupted.").ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }
    }

    /// <summary>
    /// A refusal the user can act on gets its own exit code, decided on the HTTP status (never on
    /// message text): 404 unknown, 409 refused in this state, 400/422 a rejected value.
    /// </summary>
    internal static int ExitCodeOf(OutpostApiException exception) => exception.StatusCode switch
    {
        404 => ExitCodes.NotFound,
        409 => ExitCodes.Refused,
        400 or 422 => ExitCodes.InvalidRequest,
        _ => ExitCodes.Failure,
    };

    /// <summary>Runs a verb that needs a stored session.</summary>
    public static Task<int> RunSignedInAsync(CliContext context, Func<AuthenticatedClient, CancellationToken, Task<int>> body, CancellationToken cancellationToken) =>
        RunAsync(context, async token =>
        {
            var (client, problem) = context.Connect();
            if (client is null)
            {
                await context.Error.WriteLineAsync($"error: {problem}").ConfigureAwait(false);
                return ExitCodes.NotLoggedIn;
            }

            await using (client.ConfigureAwait(false))
            {
                return await body(client, token).ConfigureAwait(false);
            }
        }, cancellationToken);
}
