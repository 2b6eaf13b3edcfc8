using System.Text.Json.Serialization;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Deployment;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Users;

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
[JsonSerializable(typeof(User))]
[JsonSerializable(typeof(List<User>))]
[JsonSerializable(typeof(CreateUserRequest))]
[JsonSerializable(typeof(LoginRequest))]
[JsonSerializable(typeof(LoginResponse))]
[JsonSerializable(typeof(OAuth2TokenResponse))]
[JsonSerializable(typeof(OAuth2ErrorResponse))]
[JsonSerializable(typeof(CreateTokenRequest))]
[JsonSerializable(typeof(CreateTokenResponse))]
[JsonSerializable(typeof(ApiToken))]
[JsonSerializable(typeof(List<ApiToken>))]
[JsonSerializable(typeof(ApiProblem))]
[JsonSerializable(typeof(AcquireJobRequest))]
[JsonSerializable(typeof(AcquiredJob))]
[JsonSerializable(typeof(UpdateJobRequest))]
[JsonSerializable(typeof(UpdateJobResponse))]
[JsonSerializable(typeof(CompleteJobRequest))]
[JsonSerializable(typeof(FailJobRequest))]
[JsonSerializable(typeof(AgentManifest))]
[JsonSerializable(typeof(AgentLogsRequest))]
[JsonSerializable(typeof(AgentControlMessage))]
public sealed partial class OutpostJsonContext : JsonSerializerContext;
