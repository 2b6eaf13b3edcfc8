using System.Runtime.InteropServices;
using Outpost.Cli.Hosting;
using Outpost.Sdk.Sessions;

namespace Outpost.Cli.Connect;

/// <summary>
/// <c>outpost ssh --stdio WORKSPACE[.AGENT]</c>: OpenSSH's <c>ProxyCommand</c>. Stdin and stdout belong to the SSH
/// protocol and are joined to an <c>ssh</c> session (the workspace's SSH server, through the agent); every message
/// goes to stderr, as one <c>error:</c> line when the session cannot open.
/// </summary>
internal static class SshStdio
{
    public static async Task<int> RunAsync(CliContext context, AgentConnector connector, string target, bool start, CancellationToken cancellationToken)
    {
        // OpenSSH ends its ProxyCommand with SIGHUP: a normal end, not a crash.
        using var hangup = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, signal =>
        {
            signal.Cancel = true;
            hangup.Cancel();
        });
        var started = context.Time.GetTimestamp();
        var (socket, error, code) = await connector.ConnectAsync(target, start, () => new SessionHeader { Kind = SessionKind.Ssh },
            SshCommand.ConnectionTypeName, SessionKind.Ssh, hangup.Token).ConfigureAwait(false);
        if (socket is null)
        {
            await context.Error.WriteLineAsync($"error: {error}").ConfigureAwait(false);
            return code == SshCommand.SessionFailed ? ExitCodes.Failure : code;
        }

        using (socket)
        {
            await using var stdin = Console.OpenStandardInput();
            await using var stdout = Console.OpenStandardOutput();
            var close = await SessionSplice.RunAsync(socket, stdin, stdout, () => CloseQuietly(stdout), context.Time, hangup.Token).ConfigureAwait(false);
            await SshCommand.CloseOutputQuietlyAsync(socket).ConfigureAwait(false);
            SshCommand.LogEnd(context, connector, socket, SshCommand.ConnectionTypeName, SessionKind.Ssh, started, null, close);
            if (close.DisconnectReason.Expected())
            {
                return ExitCodes.Success;
            }

            await context.Error.WriteLineAsync($"error: the SSH connection to \"{connector.WorkspaceName}\" ended: {AgentConnector.Describe(close)}").ConfigureAwait(false);
            return SshCommand.SessionFailed;
        }
    }

    private static void CloseQuietly(Stream stdout)
    {
        try
        {
            stdout.Dispose();
        }
        catch (IOException)
        {
            // The reader is gone already.
        }
    }
}
