using System.Text.Json.Serialization;

namespace Outpost.Sdk.Sessions;

/// <summary>Source-generated JSON for the session frames that carry JSON (the wire conventions of <see cref="OutpostJson"/>).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    Converters = [typeof(SnakeCaseEnumConverter)],
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SessionHeader))]
[JsonSerializable(typeof(SessionOpened))]
[JsonSerializable(typeof(SessionExit))]
[JsonSerializable(typeof(SessionClose))]
[JsonSerializable(typeof(DirectTicket))]
[JsonSerializable(typeof(DirectTicketGrant))]
[JsonSerializable(typeof(DirectTicketRequest))]
[JsonSerializable(typeof(DirectSessionReport))]
public sealed partial class SessionJsonContext : JsonSerializerContext;
