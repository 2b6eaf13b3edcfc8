using System.Text;
using System.Text.Json;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Sessions;

namespace Outpost.Sdk.Tests.Sessions;

public sealed class SessionFramesTests
{
    [Fact]
    public void A_data_frame_round_trips_every_byte_value()
    {
        var payload = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();

        var frame = SessionFrames.Decode(SessionFrames.Encode(SessionFrameType.Stdout, payload));

        Assert.Equal(SessionFrameType.Stdout, frame.Type);
        Assert.Equal(payload, frame.Payload.ToArray());
    }

    [Fact]
    public void A_header_round_trips_as_snake_case_json()
    {
        var header = new SessionHeader { Kind = SessionKind.Pty, Rows = 24, Cols = 80, Term = "xterm", ReconnectId = Guid.NewGuid() };

        var bytes = SessionFrames.EncodeJson(SessionFrameType.Header, header, SessionJsonContext.Default.SessionHeader);
        var frame = SessionFrames.Decode(bytes);
        var read = SessionFrames.ReadJson(frame, SessionJsonContext.Default.SessionHeader);

        Assert.Contains("\"kind\":\"pty\"", Encoding.UTF8.GetString(frame.Payload.Span), StringComparison.Ordinal);
        Assert.Contains("\"reconnect_id\"", Encoding.UTF8.GetString(frame.Payload.Span), StringComparison.Ordinal);
        Assert.Equal(header.ReconnectId, read.ReconnectId);
        Assert.Equal((24, 80), (read.Rows, read.Cols));
    }

    [Fact]
    public void Resize_and_signal_frames_carry_their_values()
    {
        Assert.Equal((50, 132), SessionFrames.ReadResize(SessionFrames.Decode(SessionFrames.Resize(50, 132))));
        Assert.Equal("INT", SessionFrames.ReadSignal(SessionFrames.Decode(SessionFrames.Signal("INT"))));
    }

    [Fact]
    public void A_close_frame_carries_the_disconnect_fields()
    {
        var close = SessionClose.Of(DisconnectReason.WorkspaceStopped, DisconnectInitiator.Server, "build 42 stopped the workspace");

        var read = SessionFrames.ReadJson(SessionFrames.Decode(SessionFrames.Close(close)), SessionJsonContext.Default.SessionClose);

        Assert.Equal(DisconnectReason.WorkspaceStopped, read.DisconnectReason);
        Assert.Equal(DisconnectInitiator.Server, read.DisconnectInitiator);
        Assert.Equal("build 42 stopped the workspace", read.Detail);
    }

    public static TheoryData<byte[], string> Garbage => new()
    {
        { [], "shorter" },
        { [3, 0, 0], "shorter" },
        { [0, 0, 0, 0, 0], "unknown frame type 0" },
        { [200, 0, 0, 0, 0], "unknown frame type 200" },
        { [3, 0, 0, 0, 9, 1], "announced 9 bytes but carried 1" },
        { [3, 0x7f, 0xff, 0xff, 0xff], "the limit is" },
        { [3, 0xff, 0xff, 0xff, 0xff], "the limit is" },
        { [7, 0, 0, 0, 2, 0, 1], "resize frame carries 4 bytes" },
        { Encoding.UTF8.GetBytes("GET / HTTP/1.1\r\n"), "unknown frame type" },
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public void Garbage_is_a_protocol_error_that_says_what_was_wrong(byte[] message, string expected)
    {
        var error = Assert.Throws<SessionProtocolException>(() => SessionFrames.Decode(message));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_json_frame_that_is_not_json_is_a_protocol_error()
    {
        var frame = SessionFrames.Decode(SessionFrames.Encode(SessionFrameType.Header, "{kind:"u8));

        Assert.Throws<SessionProtocolException>(() => SessionFrames.ReadJson(frame, SessionJsonContext.Default.SessionHeader));
    }

    [Fact]
    public void A_payload_over_the_limit_cannot_be_encoded()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SessionFrames.Encode(SessionFrameType.Stdin, new byte[SessionLimits.MaxPayloadBytes + 1]));
        Assert.Equal(SessionLimits.MaxFrameBytes, SessionFrames.Encode(SessionFrameType.Stdin, new byte[SessionLimits.MaxPayloadBytes]).Length);
    }

    [Theory]
    [InlineData(SessionKind.Exec, null, 0, 0, 0, "command:")]
    [InlineData(SessionKind.Pty, null, 0, 0, 0, "rows: 0")]
    [InlineData(SessionKind.Pty, null, 24, 5000, 0, "cols: 5000")]
    [InlineData(SessionKind.Tcp, null, 0, 0, 0, "port: 0")]
    [InlineData(SessionKind.Tcp, null, 0, 0, 65536, "port: 65536")]
    [InlineData((SessionKind)7, null, 0, 0, 0, "kind: 7")]
    public void Headers_that_cannot_be_served_name_the_field(SessionKind kind, string? command, int rows, int cols, int port, string expected)
    {
        var header = new SessionHeader { Kind = kind, Command = command, Rows = rows, Cols = cols, Port = port };

        Assert.StartsWith(expected, header.Validate(), StringComparison.Ordinal);
    }

    [Fact]
    public void Valid_headers_pass()
    {
        Assert.Null(new SessionHeader { Kind = SessionKind.Exec, Command = "true" }.Validate());
        Assert.Null(new SessionHeader { Kind = SessionKind.Pty, Rows = 24, Cols = 80 }.Validate());
        Assert.Null(new SessionHeader { Kind = SessionKind.Tcp, Port = 65535 }.Validate());
    }

    [Fact]
    public void A_nul_in_an_argument_is_refused()
    {
        Assert.NotNull(new SessionHeader { Kind = SessionKind.Exec, Command = "echo", Args = ["a\0b"] }.Validate());
    }

    [Fact]
    public void The_dial_request_travels_on_the_control_plane()
    {
        var dial = new SessionDialMessage { AgentId = Guid.NewGuid(), Ticket = "t", RelayUrl = new Uri("http://127.0.0.1:1/") };

        var json = JsonSerializer.Serialize<AgentControlMessage>(dial, OutpostJson.Options);
        var read = Assert.IsType<SessionDialMessage>(JsonSerializer.Deserialize<AgentControlMessage>(json, OutpostJson.Options));

        Assert.Contains("\"type\":\"session_dial\"", json, StringComparison.Ordinal);
        Assert.Equal(dial, read);
    }

    [Fact]
    public void An_exit_by_signal_has_the_shell_status()
    {
        Assert.Equal(137, new SessionExit { Signal = "KILL" }.ShellStatus);
        Assert.Equal(3, new SessionExit { Code = 3 }.ShellStatus);
    }
}
