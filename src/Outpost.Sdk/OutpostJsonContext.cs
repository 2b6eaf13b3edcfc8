using System.Text.Json.Serialization;
using Outpost.Sdk.Deployment;

namespace Outpost.Sdk;

/// <summary>
/// Source-generated JSON metadata for every wire type. Property names are snake_case and enums
/// serialize as their snake_case string values.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BuildInfoResponse))]
public sealed partial class OutpostJsonContext : JsonSerializerContext;
