using System.Net.Sockets;
using Outpost.Telemetry.Redaction;

namespace Outpost.Telemetry;

/// <summary>
/// The error block of an event (spec §2.6). Never a stack trace. Unlike the reference, the
/// message passes through <see cref="TelemetryRedactor"/> because exception messages often quote
/// URLs and headers (issue 3, item 5).
/// </summary>
public sealed record TelemetryError(string Message, string? Type = null, string? Code = null)
{
    public const string UnknownMessage = "Unknown error";

    public const string NonSerializableMessage = "Non-serializable error object";

    public static TelemetryError From(object? error)
    {
        switch (error)
        {
            case null:
                return new TelemetryError(UnknownMessage);
            case TelemetryError block:
                return block;
            case Exception exception:
                return new TelemetryError(
                    TelemetryRedactor.RedactText(exception.Message),
                    TypeOf(exception),
                    CodeOf(exception));
            case string text:
                return new TelemetryError(TelemetryRedactor.RedactText(text));
            default:
                return new TelemetryError(TelemetryRedactor.RedactText(Render(error)));
        }
    }

    private static string Render(object error)
    {
        try
        {
            return error.ToString() ?? NonSerializableMessage;
        }
        catch (Exception)
        {
            return NonSerializableMessage;
        }
    }

    // The generic base type says nothing a reader can group by, so it is left out like JS `Error`.
    private static string? TypeOf(Exception exception)
    {
        var type = exception.GetType();
        return type == typeof(Exception) ? null : type.Name;
    }

    private static string? CodeOf(Exception exception)
    {
        return exception switch
        {
            HttpRequestException { StatusCode: { } status } => ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture),
            SocketException socket => socket.SocketErrorCode.ToString(),
            _ => exception.Data["code"] switch
            {
                string code when code.Length > 0 => code,
                int number => number.ToString(System.Globalization.CultureInfo.InvariantCulture),
                long number => number.ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => null,
            },
        };
    }
}
