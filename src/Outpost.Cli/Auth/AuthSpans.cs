using Outpost.Cli.Hosting;
using Outpost.Cli.Invocations;
using Outpost.Telemetry;
using Outpost.Telemetry.Auth;

namespace Outpost.Cli.Auth;

/// <summary>
/// The <c>auth.login</c> and <c>auth.logout</c> spans around the verbs of the same names: property
/// <c>outcome</c> is the command's (<c>success</c>, <c>user_error</c> such as a wrong password,
/// <c>error</c>); a failed one is <c>result</c> <c>error</c> with the error block.
/// </summary>
internal static class AuthSpans
{
    public static Func<CancellationToken, Task<int>> Login(CliContext context, Func<CancellationToken, Task<int>> body) => Trace(context, AuthTelemetry.Login, body);

    public static Func<CancellationToken, Task<int>> Logout(CliContext context, Func<CancellationToken, Task<int>> body) => Trace(context, AuthTelemetry.Logout, body);

    private static Func<CancellationToken, Task<int>> Trace(CliContext context, string eventName, Func<CancellationToken, Task<int>> body) =>
        cancellationToken => context.Telemetry.TraceAsync(eventName, async (span, token) =>
        {
            int exitCode;
            try
            {
                exitCode = await body(token).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The span records the exception itself; the outcome is still named.
                span.SetProperty(AuthTelemetry.Outcome, AuthTelemetry.OutcomeError);
                throw;
            }

            var status = InvocationStatus.FromExitCode(exitCode);
            span.SetProperty(AuthTelemetry.Outcome, status);
            if (exitCode != ExitCodes.Success)
            {
                var (type, message) = InvocationStatus.Describe(exitCode);
                span.MarkFailure(context.Failure is { } failure
                    ? TelemetryError.From(failure)
                    : new TelemetryError(message, type));
            }

            return exitCode;
        }, new TelemetryProperties { { AuthTelemetry.Outcome, AuthTelemetry.OutcomeError } }, cancellationToken: cancellationToken);
}
