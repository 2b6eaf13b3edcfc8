using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Outpost.Sdk.Tasks;
using Outpost.Telemetry.Runs;

namespace Outpost.Telemetry.Tests.Runs;

// .NET's exceptions → stable transport cause codes (Outpost's counterpart of UND_ERR_SOCKET; spec §6.2, §7.5).
public sealed class TransportErrorMapperTests
{
    public static TheoryData<Exception, string?> Cases() => new()
    {
        { new HttpRequestException("Error while copying content", new IOException("Unable to read", new SocketException((int)SocketError.ConnectionReset))), TransportCauseCodes.ConnectionReset },
        { new HttpIOException(HttpRequestError.ResponseEnded, "The response ended prematurely."), TransportCauseCodes.ResponseEnded },
        { new HttpRequestException(HttpRequestError.ResponseEnded, "x", new HttpIOException(HttpRequestError.ResponseEnded)), TransportCauseCodes.ResponseEnded },
        { new IOException("The response ended prematurely."), TransportCauseCodes.ResponseEnded },
        { new SocketException((int)SocketError.ConnectionAborted), TransportCauseCodes.ConnectionAborted },
        { new SocketException((int)SocketError.ConnectionRefused), TransportCauseCodes.ConnectionRefused },
        { new HttpRequestException(HttpRequestError.NameResolutionError, "no such host"), TransportCauseCodes.NameResolutionFailed },
        { new HttpRequestException(HttpRequestError.SecureConnectionError, "tls"), TransportCauseCodes.SecureConnectionFailed },
        { new HttpRequestException("x", new AuthenticationException("cert")), TransportCauseCodes.SecureConnectionFailed },
        { new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.", new TimeoutException("timed out")), TransportCauseCodes.Timeout },
        { new TaskCanceledException("A task was canceled."), TransportCauseCodes.Cancelled },
        { new OperationCanceledException(), TransportCauseCodes.Cancelled },
        { new HttpRequestException("Response status code does not indicate success: 429 (Too Many Requests).", null, HttpStatusCode.TooManyRequests), "http_status_429" },
        { new IOException("disk"), TransportCauseCodes.IoError },
        { new HttpRequestException("other"), TransportCauseCodes.HttpRequestFailed },
        { new InvalidOperationException("bug"), null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Exceptions_map_to_stable_cause_codes(Exception error, string? code)
    {
        Assert.Equal(code, TransportErrorMapper.CauseCode(error));
    }

    [Fact]
    public void Only_resets_aborts_and_early_ends_are_closed_sockets()
    {
        Assert.True(TransportCauseCodes.IsSocketClosed(TransportCauseCodes.ConnectionReset));
        Assert.True(TransportCauseCodes.IsSocketClosed(TransportCauseCodes.ConnectionAborted));
        Assert.True(TransportCauseCodes.IsSocketClosed(TransportCauseCodes.ResponseEnded));
        Assert.False(TransportCauseCodes.IsSocketClosed(TransportCauseCodes.ConnectionRefused));
        Assert.False(TransportCauseCodes.IsSocketClosed(TransportCauseCodes.Timeout));
        Assert.False(TransportCauseCodes.IsSocketClosed(null));
    }

    [Fact]
    public void A_reset_fingerprint_names_the_outer_type_and_carries_the_cause_code()
    {
        var error = new HttpRequestException("Error while copying content to a stream.", new IOException("Connection reset by peer", new SocketException((int)SocketError.ConnectionReset)));

        Assert.Equal(new ErrorFingerprint { Name = "HttpRequestException", Message = "redacted", CauseName = "IOException", CauseCode = TransportCauseCodes.ConnectionReset, CauseMessage = "redacted" }, ErrorFingerprints.Of(error));
    }

    [Fact]
    public void A_cancellation_reads_aborted_and_a_timeout_reads_timeout()
    {
        Assert.Equal("aborted", ErrorFingerprints.Of(new TaskCanceledException("A task was canceled.")).Message);
        Assert.Equal("timeout", ErrorFingerprints.Of(new TaskCanceledException("canceled", new TimeoutException())).Message);
    }

    [Fact]
    public void An_http_error_is_the_exceptions_own_code()
    {
        Assert.Equal("response_ended", ErrorFingerprints.Of(new HttpIOException(HttpRequestError.ResponseEnded)).Code);
        Assert.Equal("http_status_429", ErrorFingerprints.Of(new HttpRequestException("x", null, HttpStatusCode.TooManyRequests)).Code);
        Assert.Equal("connection_reset", ErrorFingerprints.Of(new SocketException((int)SocketError.ConnectionReset)).Code);
    }

    [Fact]
    public void A_failure_known_by_its_code_gets_a_fingerprint_without_exception()
    {
        Assert.Equal(new ErrorFingerprint { Name = "Reset", CauseCode = TransportCauseCodes.ConnectionReset, Message = "redacted" }, ErrorFingerprints.ForCause(TransportCauseCodes.ConnectionReset, "Reset", "the provider's stream broke: reset by 10.0.0.1"));
        Assert.Equal(new ErrorFingerprint { CauseCode = "http_status_429" }, ErrorFingerprints.ForCause("http_status_429"));
    }

    [Fact]
    public void A_caller_built_fingerprint_is_sanitized_again()
    {
        var unsafeFingerprint = new ErrorFingerprint { Name = "a b", Code = "ok_code", Message = "rate_limit", CauseMessage = "token sk-1 leaked", CauseCode = "/path" };

        Assert.Equal(new ErrorFingerprint { Code = "ok_code", Message = "rate_limit", CauseMessage = "redacted" }, ErrorFingerprints.Sanitize(unsafeFingerprint));
    }

    [Fact]
    public void A_typed_reset_recorded_through_the_recorder_is_a_socket_closed_transport_failure()
    {
        var run = RunObservabilityRecorder.Start(TestRun.Identity, new Outpost.Testing.FakeTimeProvider(TestRun.Created));
        var a = run.BeginAttempt();
        run.ProviderProgress(a);
        run.TransportFailure(a, ErrorFingerprints.ForCause(TransportCauseCodes.ResponseEnded, "EndedEarly"));
        var summary = run.Finalize()!;

        Assert.Equal("external_stream_disconnect.provider_progress_socket_closed", summary.SummaryKey);
        Assert.Equal(TransportCauseCodes.ResponseEnded, summary.Error!.CauseCode);
    }
}
