using System.Buffers.Binary;
using System.CommandLine;
using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using Outpost.Cli.Hosting;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Sessions;

namespace Outpost.Cli.Connect;

/// <summary>
/// <c>outpost ping WORKSPACE[.AGENT]</c>: round trips to the agent over the path a session takes (a <c>ping</c>
/// session, which the agent answers frame by frame), each with its time, then min/avg/max and loss.
/// </summary>
internal static class PingCommand
{
    public static readonly string ConnectionTypeName = WireName.Of(ConnectionType.Ping);

    /// <summary>The bytes of one ping: its sequence number and padding, about what an ICMP ping carries.</summary>
    private const int PayloadBytes = 64;

    public static Command Create(CliContext context)
    {
        var target = new Argument<string>("workspace") { Description = "The workspace, optionally with the agent: NAME or NAME.AGENT." };
        var count = new Option<int>("--count", "-c") { Description = "How many round trips (1-10000).", DefaultValueFactory = _ => 5 };
        var interval = new Option<double>("--interval") { Description = "Seconds between round trips (0-60).", DefaultValueFactory = _ => 1 };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for each answer before counting it lost (0.01-60).", DefaultValueFactory = _ => 5 };
        var output = OutputFormat.CreateOption();
        var command = new Command("ping", "Measure round trips to a workspace's agent over the path a session takes.") { target, count, interval, timeout, output };
        command.SetAction(async (result, cancellationToken) =>
        {
            var (n, every, wait) = (result.GetValue(count), result.GetValue(interval), result.GetValue(timeout));
            var problem = n is < 1 or > 10_000 ? $"--count {n}: must be 1-10000"
                : every is < 0 or > 60 || double.IsNaN(every) ? $"--interval {every}: must be 0-60 seconds"
                : wait is < 0.01 or > 60 || double.IsNaN(wait) ? $"--timeout {wait}: must be 0.01-60 seconds"
                : null;
            if (problem is not null)
            {
                await context.Error.WriteLineAsync($"error: {problem}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var json = result.GetValue(output) == OutputFormat.Json;
            return await CommandRunner.RunSignedInAsync(context, (client, ct) =>
                PingAsync(context, new AgentConnector(context, client), result.GetValue(target)!, n, TimeSpan.FromSeconds(every), TimeSpan.FromSeconds(wait), json, ct),
                cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> PingAsync(CliContext context, AgentConnector connector, string target, int count, TimeSpan interval, TimeSpan timeout, bool json, CancellationToken cancellationToken)
    {
        var started = context.Time.GetTimestamp();
        var (socket, error, code) = await connector.ConnectAsync(target, start: false, () => new SessionHeader { Kind = SessionKind.Ping },
            ConnectionTypeName, SessionKind.Ping, cancellationToken).ConfigureAwait(false);
        if (socket is null)
        {
            await context.Error.WriteLineAsync($"error: {error}").ConfigureAwait(false);
            return code == SshCommand.SessionFailed ? ExitCodes.Failure : code;
        }

        using (socket)
        {
            var name = $"{connector.WorkspaceName}.{connector.Agent!.Name}";
            var path = connector.Path;
            if (!json)
            {
                await context.Out.WriteLineAsync(connector.DirectFailure is { } why ? $"PING {name} via {path} (direct: {why})"
                    : connector.DirectAddress is { } address ? $"PING {name} via {path} ({address})"
                    : $"PING {name} via {path}").ConfigureAwait(false);
            }

            var answers = Channel.CreateUnbounded<(int Seq, long At)>();
            var reading = ReadAnswersAsync(socket, context.Time, answers.Writer);
            var pings = new List<PingReply>();
            SessionClose? close = null;
            for (var seq = 1; seq <= count && !cancellationToken.IsCancellationRequested; seq++)
            {
                if (seq > 1 && interval > TimeSpan.Zero)
                {
                    await Task.Delay(interval, context.Time, cancellationToken).ConfigureAwait(false);
                }

                var payload = new byte[PayloadBytes];
                BinaryPrimitives.WriteInt32BigEndian(payload, seq);
                var sent = context.Time.GetTimestamp();
                try
                {
                    await socket.SendAsync(SessionFrameType.Stdin, payload, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is WebSocketException or IOException)
                {
                    close = SessionClose.Of(DisconnectReason.NetworkError, DisconnectInitiator.Network, ex.Message);
                    break;
                }

                var rtt = await AnswerAsync(answers.Reader, seq, sent, timeout, context.Time, cancellationToken).ConfigureAwait(false);
                pings.Add(new PingReply(seq, rtt is { } ms ? Math.Round(ms, 3) : null));
                if (!json)
                {
                    await context.Out.WriteLineAsync(rtt is { } time
                        ? string.Create(CultureInfo.InvariantCulture, $"pong from {name} via {path}: seq={seq} time={time:0.000} ms")
                        : $"no answer from {name} via {path}: seq={seq} (waited {timeout.TotalSeconds:0.##} s)").ConfigureAwait(false);
                }

                if (reading.IsCompleted)
                {
                    break;
                }
            }

            close ??= reading.IsCompleted ? await reading.ConfigureAwait(false) : null;
            var ended = close ?? SessionClose.Of(DisconnectReason.ClientClosed, DisconnectInitiator.Client, "ping done");
            if (close is null)
            {
                await socket.CloseAsync(ended, TimeSpan.FromSeconds(2), context.Time).ConfigureAwait(false);
            }

            await SshCommand.CloseOutputQuietlyAsync(socket).ConfigureAwait(false);
            SshCommand.LogEnd(context, connector, socket, ConnectionTypeName, SessionKind.Ping, started, null, ended);
            var report = new PingReport { Workspace = connector.WorkspaceName, Agent = connector.Agent.Name, Path = path, Address = connector.DirectAddress, DirectFailure = connector.DirectFailure, Pings = pings };
            await WriteSummaryAsync(context, report, name, json).ConfigureAwait(false);
            if (close is not null)
            {
                await context.Error.WriteLineAsync($"error: the session ended: {AgentConnector.Describe(close)}").ConfigureAwait(false);
            }

            return report.Received > 0 && close is null ? ExitCodes.Success : ExitCodes.Failure;
        }
    }

    private static async Task WriteSummaryAsync(CliContext context, PingReport report, string name, bool json)
    {
        if (json)
        {
            await context.Out.WriteLineAsync(JsonSerializer.Serialize(report, PingJsonContext.Default.PingReport)).ConfigureAwait(false);
            return;
        }

        var loss = string.Create(CultureInfo.InvariantCulture, $"--- {name}: {report.Sent} sent, {report.Received} received, {report.LossPercent:0.#}% loss");
        await context.Out.WriteLineAsync(report.Received == 0 ? loss
            : string.Create(CultureInfo.InvariantCulture, $"{loss}; time min/avg/max = {report.MinMs:0.000}/{report.AvgMs:0.000}/{report.MaxMs:0.000} ms")).ConfigureAwait(false);
    }

    /// <summary>The time in milliseconds until the answer to <paramref name="seq"/>; null when none came within <paramref name="timeout"/> or the session ended.</summary>
    private static async Task<double?> AnswerAsync(ChannelReader<(int Seq, long At)> answers, int seq, long sent, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(timeout);
        try
        {
            while (await answers.WaitToReadAsync(wait.Token).ConfigureAwait(false))
            {
                while (answers.TryRead(out var answer))
                {
                    if (answer.Seq == seq)
                    {
                        return time.GetElapsedTime(sent, answer.At).TotalMilliseconds;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Lost; a late answer is skipped by the next wait.
        }

        return null;
    }

    /// <summary>Answers as they arrive, stamped on arrival, until the session closes; how it closed (null when the close was ours).</summary>
    private static async Task<SessionClose?> ReadAnswersAsync(SessionSocket socket, TimeProvider time, ChannelWriter<(int Seq, long At)> answers)
    {
        await Task.Yield();
        try
        {
            while (await socket.ReceiveAsync(CancellationToken.None).ConfigureAwait(false) is { } frame)
            {
                if (frame.Type == SessionFrameType.Stdout && frame.Payload.Length >= sizeof(int))
                {
                    answers.TryWrite((BinaryPrimitives.ReadInt32BigEndian(frame.Payload.Span), time.GetTimestamp()));
                }
                else if (frame.Type == SessionFrameType.Close)
                {
                    return socket.ReceivedClose;
                }
            }

            return socket.ReceivedClose ?? SessionClose.Of(DisconnectReason.NetworkError, DisconnectInitiator.Server, "the server closed the session without saying why");
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or SessionProtocolException or ObjectDisposedException)
        {
            return SessionClose.Of(DisconnectReason.NetworkError, DisconnectInitiator.Network, ex.Message);
        }
        finally
        {
            answers.TryComplete();
        }
    }
}
