using System.Threading.Channels;
using Outpost.Sdk.Sessions;

namespace Outpost.Agent.Sessions;

/// <summary>
/// An <c>exec</c> session: the command on three pipes in its own process group; stdout and stderr as their own
/// frames, the client's stdin into the pipe, signals to the group; the exit code or signal at the end. The group
/// is killed whenever the session ends, however it ends.
/// </summary>
internal sealed class ExecSession(SessionHost host, SessionSocket socket, SessionHeader header, SessionCounters counters)
{
    public async Task<SessionEnd> RunAsync(Func<SessionEnd> stopEnd, CancellationToken stopping)
    {
        ChildProcess process;
        int stdin, stdout, stderr;
        try
        {
            (process, stdin, stdout, stderr) = ChildProcess.SpawnPiped(header.Command!, [header.Command!, .. header.Args ?? []], host.EnvironmentFor(header), host.DirectoryFor(header));
        }
        catch (IOException ex)
        {
            // As a shell reports a command it cannot run.
            var failed = new SessionExit { Code = 127 };
            await socket.SendJsonAsync(SessionFrameType.Exit, failed, SessionJsonContext.Default.SessionExit, stopping).ConfigureAwait(false);
            var end = new SessionEnd(Sdk.Agents.DisconnectReason.Graceful, Sdk.Agents.DisconnectInitiator.Agent, $"could not start: {ex.Message}");
            await socket.CloseAsync(end.ToClose(), host.Options.CloseTimeout, host.Time).ConfigureAwait(false);
            return end;
        }

        using var readStop = new CancellationTokenSource();
        using var receiveAbort = new CancellationTokenSource();
        var input = FdStreams.Write(stdin, closeAtEnd: true);
        try
        {
            await socket.SendJsonAsync(SessionFrameType.Opened, new SessionOpened(), SessionJsonContext.Default.SessionOpened, stopping).ConfigureAwait(false);
            var output = PumpAsync(FdStreams.Read(stdout, readStop.Token), SessionFrameType.Stdout);
            var errors = PumpAsync(FdStreams.Read(stderr, readStop.Token), SessionFrameType.Stderr);
            var finished = Task.WhenAll(process.Exited, output, errors);
            var receiver = ReceiveAsync(input, process, receiveAbort.Token);
            var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var stopRegistration = stopping.Register(() => stop.TrySetResult());
            var stopped = stop.Task;
            var first = await Task.WhenAny(finished, receiver, stopped).ConfigureAwait(false);

            SessionEnd end;
            if (first == finished && finished.IsCompletedSuccessfully)
            {
                var (code, signal) = ChildProcess.Decode(await process.Exited.ConfigureAwait(false));
                var exit = new SessionExit { Code = code, Signal = signal is { } s ? SessionSignals.Name(s) : null };
                end = SessionEnd.Exited(exit);
                try
                {
                    await socket.SendJsonAsync(SessionFrameType.Exit, exit, SessionJsonContext.Default.SessionExit, stopping).ConfigureAwait(false);
                    await socket.CloseAsync(end.ToClose(), host.Options.CloseTimeout, host.Time).ConfigureAwait(false);
                    await receiver.WaitAsync(host.Options.CloseTimeout, host.Time).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is TimeoutException || SessionEnd.IsTransportFailure(ex))
                {
                    // The exit is what counts; the client's side of the close does not change it.
                }
            }
            else if (first == finished)
            {
                // Sending output failed: the client is gone, which the receiver reports.
                end = await receiver.WaitAsync(host.Options.CloseTimeout, host.Time).ConfigureAwait(false);
            }
            else if (first == receiver)
            {
                end = await receiver.ConfigureAwait(false);
                if (end.Reason == Sdk.Agents.DisconnectReason.ProtocolError)
                {
                    await socket.CloseAsync(end.ToClose(), host.Options.CloseTimeout, host.Time).ConfigureAwait(false);
                }
            }
            else
            {
                end = stopEnd();
                await socket.CloseAsync(end.ToClose(), host.Options.CloseTimeout, host.Time).ConfigureAwait(false);
            }

            return end;
        }
        finally
        {
            await host.KillGroupAsync(process, SessionHost.SigTerm).ConfigureAwait(false);
            await readStop.CancelAsync().ConfigureAwait(false);
            await receiveAbort.CancelAsync().ConfigureAwait(false);
            input.TryComplete();
        }
    }

    private async Task PumpAsync(ChannelReader<byte[]> reader, SessionFrameType type)
    {
        await foreach (var chunk in reader.ReadAllAsync().ConfigureAwait(false))
        {
            await socket.SendAsync(type, chunk, CancellationToken.None).ConfigureAwait(false);
            counters.AddOut(chunk.Length);
        }
    }

    private async Task<SessionEnd> ReceiveAsync(ChannelWriter<byte[]> input, ChildProcess process, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                if (await socket.ReceiveAsync(cancellationToken).ConfigureAwait(false) is not { } frame)
                {
                    return SessionEnd.FromClient(null);
                }

                switch (frame.Type)
                {
                    case SessionFrameType.Stdin:
                        counters.AddIn(frame.Payload.Length);
                        try
                        {
                            await input.WriteAsync(frame.Payload.ToArray(), cancellationToken).ConfigureAwait(false);
                        }
                        catch (ChannelClosedException)
                        {
                            // The process closed its stdin (or ended): what it did not read is dropped, as a pipe does.
                        }

                        break;
                    case SessionFrameType.StdinEof:
                        input.TryComplete();
                        break;
                    case SessionFrameType.Signal:
                        var name = SessionFrames.ReadSignal(frame);
                        if (SessionSignals.Number(name) is { } number)
                        {
                            process.SignalGroup(number);
                        }
                        else
                        {
                            AgentSessionLog.SignalRefused(host.Logger, Guid.Empty, name);
                        }

                        break;
                    case SessionFrameType.Resize:
                        break;
                    case SessionFrameType.Close:
                        return SessionEnd.FromClient(socket.ReceivedClose);
                    default:
                        throw new SessionProtocolException($"a {frame.Type} frame from the client in an exec session");
                }
            }
        }
        catch (Exception ex) when (SessionEnd.IsTransportFailure(ex))
        {
            return SessionEnd.FromFailure(ex);
        }
    }
}
