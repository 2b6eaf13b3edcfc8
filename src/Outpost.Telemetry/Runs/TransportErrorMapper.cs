using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.Json;

namespace Outpost.Telemetry.Runs;

/// <summary>
/// Stable transport cause codes: what .NET's exceptions mean, in words that do not change with the runtime's
/// message text (Outpost's counterpart of undici's <c>UND_ERR_SOCKET</c>, run-observability-spec §6.2, §7.5).
/// </summary>
public static class TransportCauseCodes
{
    /// <summary>The peer reset the connection (<see cref="SocketError.ConnectionReset"/>).</summary>
    public const string ConnectionReset = "connection_reset";

    /// <summary>The connection was aborted or shut down under us.</summary>
    public const string ConnectionAborted = "connection_aborted";

    /// <summary>The response ended before its end (<see cref="HttpRequestError.ResponseEnded"/>).</summary>
    public const string ResponseEnded = "response_ended";

    /// <summary>Nobody listened.</summary>
    public const string ConnectionRefused = "connection_refused";

    /// <summary>The host name did not resolve.</summary>
    public const string NameResolutionFailed = "name_resolution_failed";

    /// <summary>TLS failed.</summary>
    public const string SecureConnectionFailed = "secure_connection_failed";

    /// <summary>Another connection failure.</summary>
    public const string ConnectionFailed = "connection_failed";

    /// <summary>The response was not valid HTTP.</summary>
    public const string InvalidResponse = "invalid_response";

    /// <summary>A timeout (an <see cref="HttpClient.Timeout"/>, a <see cref="TimeoutException"/>, a socket timeout).</summary>
    public const string Timeout = "timeout";

    /// <summary>Cancelled by our side (a stop, a shutdown), not by a timeout.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>The provider sent nothing for the stall window (the agent's watchdog gave up on a silent stream).</summary>
    public const string StreamStalled = "stream_stalled";

    /// <summary>Another socket error.</summary>
    public const string SocketError = "socket_error";

    /// <summary>Another I/O error.</summary>
    public const string IoError = "io_error";

    /// <summary>Another HTTP failure.</summary>
    public const string HttpRequestFailed = "http_request_failed";

    /// <summary>The prefix of an HTTP status the provider answered with: <c>http_status_429</c>.</summary>
    public const string HttpStatusPrefix = "http_status_";

    /// <summary>
    /// The codes that mean the transport closed under a running stream: the boundary is <c>sdk_transport</c> and the
    /// confidence high (§7.5), and the summary key says <c>provider_progress_socket_closed</c> (§5.3 rule 3).
    /// </summary>
    /// <param name="code">A cause code, or null.</param>
    /// <returns>Whether it is one of them.</returns>
    public static bool IsSocketClosed(string? code) => code is ConnectionReset or ConnectionAborted or ResponseEnded;
}

/// <summary>
/// Maps .NET's exceptions to <see cref="TransportCauseCodes"/>. The agent loop calls it (through the recorder) with
/// whatever escaped the provider request; it reads types and error codes, never the message, except for the one
/// .NET message that has no code (an <see cref="IOException"/> "response ended prematurely" from older handlers).
/// </summary>
public static class TransportErrorMapper
{
    /// <summary>The stable cause code of <paramref name="error"/> and its inner exceptions, or null when nothing is known.</summary>
    /// <param name="error">What was thrown.</param>
    /// <returns>A <see cref="TransportCauseCodes"/> value, or null.</returns>
    public static string? CauseCode(Exception? error)
    {
        if (error is null)
        {
            return null;
        }

        var chain = Chain(error);

        // The outermost exception decides cancellation against timeout: HttpClient.Timeout throws a
        // TaskCanceledException around a TimeoutException, a caller's token throws one without.
        if (error is OperationCanceledException)
        {
            return chain.Any(static e => e is TimeoutException) ? TransportCauseCodes.Timeout : TransportCauseCodes.Cancelled;
        }

        if (chain.Any(static e => e is TimeoutException))
        {
            return TransportCauseCodes.Timeout;
        }

        // The deepest signal is the most specific: a reset under a ResponseEnded is a reset.
        if (chain.OfType<SocketException>().LastOrDefault() is { } socket)
        {
            return FromSocket(socket.SocketErrorCode);
        }

        foreach (var e in chain)
        {
            var fromHttp = e switch
            {
                HttpIOException io => FromHttpError(io.HttpRequestError),
                HttpRequestException http => FromHttpError(http.HttpRequestError),
                _ => null,
            };
            if (fromHttp is not null)
            {
                return fromHttp;
            }
        }

        if (chain.OfType<HttpRequestException>().FirstOrDefault(static e => e.StatusCode is not null) is { StatusCode: { } status })
        {
            return HttpStatus(status);
        }

        if (chain.OfType<AuthenticationException>().Any())
        {
            return TransportCauseCodes.SecureConnectionFailed;
        }

        if (chain.OfType<IOException>().Any(static e => e.Message.Contains("response ended prematurely", StringComparison.OrdinalIgnoreCase)))
        {
            return TransportCauseCodes.ResponseEnded;
        }

        return chain.Any(static e => e is IOException) ? TransportCauseCodes.IoError
            : chain.Any(static e => e is HttpRequestException) ? TransportCauseCodes.HttpRequestFailed
            : null;
    }

    /// <summary>The code of an HTTP status: <c>http_status_429</c>.</summary>
    /// <param name="status">The status.</param>
    /// <returns>The code.</returns>
    public static string HttpStatus(HttpStatusCode status) =>
        TransportCauseCodes.HttpStatusPrefix + ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The code of the exception itself (not its inner ones): its HTTP error, status or socket error.</summary>
    internal static string? OwnCode(Exception error) => error switch
    {
        SocketException socket => Snake(socket.SocketErrorCode.ToString()),
        HttpIOException io when io.HttpRequestError != HttpRequestError.Unknown => Snake(io.HttpRequestError.ToString()),
        HttpRequestException http when http.HttpRequestError != HttpRequestError.Unknown => Snake(http.HttpRequestError.ToString()),
        HttpRequestException { StatusCode: { } status } => HttpStatus(status),
        _ => null,
    };

    private static string Snake(string name) => JsonNamingPolicy.SnakeCaseLower.ConvertName(name);

    private static List<Exception> Chain(Exception error)
    {
        var chain = new List<Exception>();
        for (var e = error; e is not null && chain.Count < 16; e = e is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerExceptions[0] : e.InnerException)
        {
            chain.Add(e);
        }

        return chain;
    }

    private static string FromSocket(SocketError error) => error switch
    {
        System.Net.Sockets.SocketError.ConnectionReset => TransportCauseCodes.ConnectionReset,
        System.Net.Sockets.SocketError.ConnectionAborted or System.Net.Sockets.SocketError.Shutdown or System.Net.Sockets.SocketError.OperationAborted
            or System.Net.Sockets.SocketError.NotConnected or System.Net.Sockets.SocketError.Disconnecting => TransportCauseCodes.ConnectionAborted,
        System.Net.Sockets.SocketError.ConnectionRefused => TransportCauseCodes.ConnectionRefused,
        System.Net.Sockets.SocketError.HostNotFound or System.Net.Sockets.SocketError.NoData or System.Net.Sockets.SocketError.TryAgain => TransportCauseCodes.NameResolutionFailed,
        System.Net.Sockets.SocketError.TimedOut => TransportCauseCodes.Timeout,
        _ => TransportCauseCodes.SocketError,
    };

    private static string? FromHttpError(HttpRequestError error) => error switch
    {
        HttpRequestError.ResponseEnded => TransportCauseCodes.ResponseEnded,
        HttpRequestError.NameResolutionError => TransportCauseCodes.NameResolutionFailed,
        HttpRequestError.SecureConnectionError => TransportCauseCodes.SecureConnectionFailed,
        HttpRequestError.ConnectionError => TransportCauseCodes.ConnectionFailed,
        HttpRequestError.InvalidResponse or HttpRequestError.ConfigurationLimitExceeded or HttpRequestError.VersionNegotiationError
            or HttpRequestError.HttpProtocolError or HttpRequestError.ExtendedConnectNotSupported or HttpRequestError.UserAuthenticationError
            or HttpRequestError.ProxyTunnelError => TransportCauseCodes.InvalidResponse,
        _ => null,
    };
}
