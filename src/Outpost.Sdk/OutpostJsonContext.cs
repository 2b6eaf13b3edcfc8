using System.Text.Json.Serialization;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Deployment;
using Outpost.Sdk.Files;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Secrets;
using Outpost.Sdk.Templates;
using Outpost.Sdk.Users;
using Outpost.Sdk.Workspaces;

namespace Outpost.Sdk;

/// <summary>
/// Source-generated JSON metadata for every wire type. Property names are snake_case and enums
/// serialize as their snake_case string values.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    Converters = [typeof(SnakeCaseEnumConverter)],
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BuildInfoResponse))]
[JsonSerializable(typeof(AwsInstanceIdentityRequest))]
[JsonSerializable(typeof(AzureInstanceIdentityRequest))]
[JsonSerializable(typeof(GoogleInstanceIdentityRequest))]
[JsonSerializable(typeof(InstanceIdentityResponse))]
[JsonSerializable(typeof(CreateSubAgentRequest))]
[JsonSerializable(typeof(SubAgentCreated))]
[JsonSerializable(typeof(SubAgentList))]
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
[JsonSerializable(typeof(FileDownload))]
[JsonSerializable(typeof(FileChunk))]
[JsonSerializable(typeof(UpdateJobRequest))]
[JsonSerializable(typeof(UpdateJobResponse))]
[JsonSerializable(typeof(CompleteJobRequest))]
[JsonSerializable(typeof(CompleteJobResponse))]
[JsonSerializable(typeof(FailJobRequest))]
[JsonSerializable(typeof(List<ControlPlaneConnection>))]
[JsonSerializable(typeof(Outpost.Sdk.Connections.ConnectionLogPage))]
[JsonSerializable(typeof(List<Outpost.Sdk.Connections.ConnectionLogEntry>))]
[JsonSerializable(typeof(List<AgentLifecycleEvent>))]
[JsonSerializable(typeof(List<AgentLogEntry>))]
[JsonSerializable(typeof(UploadResponse))]
[JsonSerializable(typeof(Template))]
[JsonSerializable(typeof(List<Template>))]
[JsonSerializable(typeof(CreateTemplateRequest))]
[JsonSerializable(typeof(UpdateTemplateRequest))]
[JsonSerializable(typeof(TemplateVersion))]
[JsonSerializable(typeof(List<TemplateVersion>))]
[JsonSerializable(typeof(CreateTemplateVersionRequest))]
[JsonSerializable(typeof(ProvisionerJob))]
[JsonSerializable(typeof(ProvisionerJobLog))]
[JsonSerializable(typeof(List<ProvisionerJobLog>))]
[JsonSerializable(typeof(List<TemplateVersionParameter>))]
[JsonSerializable(typeof(List<TemplateVersionPreset>))]
[JsonSerializable(typeof(List<ProvisionedResource>))]
[JsonSerializable(typeof(List<ParameterValue>))]
[JsonSerializable(typeof(List<AgentScript>))]
[JsonSerializable(typeof(List<AgentApp>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(Workspace))]
[JsonSerializable(typeof(WorkspacesResponse))]
[JsonSerializable(typeof(List<Workspace>))]
[JsonSerializable(typeof(CreateWorkspaceRequest))]
[JsonSerializable(typeof(WorkspaceBuild))]
[JsonSerializable(typeof(List<WorkspaceBuild>))]
[JsonSerializable(typeof(CreateWorkspaceBuildRequest))]
[JsonSerializable(typeof(WorkspaceBuildUpdate))]
[JsonSerializable(typeof(WorkspaceAgentUpdate))]
[JsonSerializable(typeof(WorkspaceAgent))]
[JsonSerializable(typeof(List<WorkspaceAgent>))]
[JsonSerializable(typeof(ProvisionerKey))]
[JsonSerializable(typeof(List<ProvisionerKey>))]
[JsonSerializable(typeof(CreateProvisionerKeyRequest))]
[JsonSerializable(typeof(CreateProvisionerKeyResponse))]
[JsonSerializable(typeof(UserSecret))]
[JsonSerializable(typeof(List<UserSecret>))]
[JsonSerializable(typeof(CreateUserSecretRequest))]
[JsonSerializable(typeof(UpdateUserSecretRequest))]
[JsonSerializable(typeof(List<BuildSecret>))]
[JsonSerializable(typeof(AgentManifest))]
[JsonSerializable(typeof(AgentLogsRequest))]
[JsonSerializable(typeof(AgentControlMessage))]
[JsonSerializable(typeof(List<TemplatePreset>))]
[JsonSerializable(typeof(ReinitializationEvent))]
public sealed partial class OutpostJsonContext : JsonSerializerContext;
