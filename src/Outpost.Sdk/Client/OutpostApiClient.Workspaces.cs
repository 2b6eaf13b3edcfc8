using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using Outpost.Sdk.Files;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Templates;
using Outpost.Sdk.Workspaces;

namespace Outpost.Sdk.Client;

public sealed partial class OutpostApiClient
{
    /// <summary>Uploads a template tar archive; answers its SHA-256 (the same bytes are stored once).</summary>
    public async Task<UploadResponse> UploadFileAsync(byte[] tar, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tar);
        using var content = new ByteArrayContent(tar);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        return await SendAsync(HttpMethod.Post, "api/v2/files", content, OutpostJsonContext.Default.UploadResponse, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates an empty template (template admins and above).</summary>
    public Task<Template> CreateTemplateAsync(CreateTemplateRequest request, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, "api/v2/templates", JsonContent.Create(request, OutpostJsonContext.Default.CreateTemplateRequest), OutpostJsonContext.Default.Template, cancellationToken);

    /// <summary>Every template.</summary>
    public Task<List<Template>> ListTemplatesAsync(CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, "api/v2/templates", null, OutpostJsonContext.Default.ListTemplate, cancellationToken);

    /// <summary>A template by id or name; 404 (with close names) when there is none.</summary>
    public Task<Template> GetTemplateAsync(string idOrName, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"api/v2/templates/{Uri.EscapeDataString(idOrName)}", null, OutpostJsonContext.Default.Template, cancellationToken);

    /// <summary>Activates a version or changes the description.</summary>
    public Task<Template> UpdateTemplateAsync(string idOrName, UpdateTemplateRequest request, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Patch, $"api/v2/templates/{Uri.EscapeDataString(idOrName)}", JsonContent.Create(request, OutpostJsonContext.Default.UpdateTemplateRequest), OutpostJsonContext.Default.Template, cancellationToken);

    /// <summary>Queues the import of an uploaded archive as a new version.</summary>
    public Task<TemplateVersion> CreateTemplateVersionAsync(string templateIdOrName, CreateTemplateVersionRequest request, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, $"api/v2/templates/{Uri.EscapeDataString(templateIdOrName)}/versions",
            JsonContent.Create(request, OutpostJsonContext.Default.CreateTemplateVersionRequest), OutpostJsonContext.Default.TemplateVersion, cancellationToken);

    /// <summary>A template's versions, oldest first.</summary>
    public Task<List<TemplateVersion>> ListTemplateVersionsAsync(string templateIdOrName, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"api/v2/templates/{Uri.EscapeDataString(templateIdOrName)}/versions", null, OutpostJsonContext.Default.ListTemplateVersion, cancellationToken);

    /// <summary>One version with its import job.</summary>
    public Task<TemplateVersion> GetTemplateVersionAsync(Guid id, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"api/v2/templateversions/{id}", null, OutpostJsonContext.Default.TemplateVersion, cancellationToken);

    /// <summary>Follows an import's logs until the job completes.</summary>
    public IAsyncEnumerable<ProvisionerJobLog> FollowTemplateVersionLogsAsync(Guid id, CancellationToken cancellationToken) =>
        FollowLogsAsync($"api/v2/templateversions/{id}/logs?follow=true", cancellationToken);

    /// <summary>Creates a workspace and queues its first start build.</summary>
    public Task<Workspace> CreateWorkspaceAsync(CreateWorkspaceRequest request, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, "api/v2/workspaces", JsonContent.Create(request, OutpostJsonContext.Default.CreateWorkspaceRequest), OutpostJsonContext.Default.Workspace, cancellationToken);

    /// <summary>One page of workspaces; <paramref name="query"/> is e.g. <c>owner=me&amp;status=running&amp;limit=50</c>.</summary>
    public Task<WorkspacesResponse> ListWorkspacesAsync(string? query, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, string.IsNullOrEmpty(query) ? "api/v2/workspaces" : $"api/v2/workspaces?{query}", null, OutpostJsonContext.Default.WorkspacesResponse, cancellationToken);

    /// <summary>A live workspace by owner (<c>me</c> or a username) and name; 404 (with close names) when there is none.</summary>
    public Task<Workspace> GetWorkspaceByNameAsync(string owner, string name, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"api/v2/users/{Uri.EscapeDataString(owner)}/workspace/{Uri.EscapeDataString(name)}", null, OutpostJsonContext.Default.Workspace, cancellationToken);

    /// <summary>Queues a start, stop or delete build; 409 while another build is active.</summary>
    public Task<WorkspaceBuild> CreateWorkspaceBuildAsync(Guid workspaceId, CreateWorkspaceBuildRequest request, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, $"api/v2/workspaces/{workspaceId}/builds", JsonContent.Create(request, OutpostJsonContext.Default.CreateWorkspaceBuildRequest), OutpostJsonContext.Default.WorkspaceBuild, cancellationToken);

    /// <summary>One build.</summary>
    public Task<WorkspaceBuild> GetWorkspaceBuildAsync(Guid buildId, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"api/v2/workspacebuilds/{buildId}", null, OutpostJsonContext.Default.WorkspaceBuild, cancellationToken);

    /// <summary>Cancels a build.</summary>
    public Task<WorkspaceBuild> CancelWorkspaceBuildAsync(Guid buildId, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Patch, $"api/v2/workspacebuilds/{buildId}/cancel", null, OutpostJsonContext.Default.WorkspaceBuild, cancellationToken);

    /// <summary>Follows a build's logs until its job completes.</summary>
    public IAsyncEnumerable<ProvisionerJobLog> FollowBuildLogsAsync(Guid buildId, CancellationToken cancellationToken) =>
        FollowLogsAsync($"api/v2/workspacebuilds/{buildId}/logs?follow=true", cancellationToken);

    /// <summary>A workspace by id (a deleted one answers with <c>deleted: true</c>).</summary>
    public Task<Workspace> GetWorkspaceAsync(Guid workspaceId, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"api/v2/workspaces/{workspaceId}", null, OutpostJsonContext.Default.Workspace, cancellationToken);

    /// <summary>The workspace's builds, newest first.</summary>
    public Task<List<WorkspaceBuild>> ListWorkspaceBuildsAsync(Guid workspaceId, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"api/v2/workspaces/{workspaceId}/builds", null, OutpostJsonContext.Default.ListWorkspaceBuild, cancellationToken);

    /// <summary>A build's logs so far.</summary>
    public Task<List<ProvisionerJobLog>> ListBuildLogsAsync(Guid buildId, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"api/v2/workspacebuilds/{buildId}/logs", null, OutpostJsonContext.Default.ListProvisionerJobLog, cancellationToken);

    /// <summary>
    /// Watches a workspace: its state now, then again after every change; a <c>resync</c> event asks
    /// the caller to re-read it. A broken connection surfaces as an exception, for the caller to reconnect.
    /// </summary>
    public IAsyncEnumerable<WatchEvent<Workspace>> WatchWorkspaceAsync(Guid workspaceId, CancellationToken cancellationToken) =>
        ServerSentEventsClient.ReadAsync(_http, $"api/v2/workspaces/{workspaceId}/watch", OutpostJsonContext.Default.Workspace, cancellationToken);

    /// <summary>An agent's stored script output, oldest first, after line <paramref name="after"/> (at most 1,000 lines).</summary>
    public Task<List<Agents.AgentLogEntry>> ListAgentLogsAsync(Guid agentId, long after, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"api/v2/workspaceagents/{agentId}/logs?after={after}", null, OutpostJsonContext.Default.ListAgentLogEntry, cancellationToken);

    /// <summary>The agents of the workspace's latest build.</summary>
    public Task<List<WorkspaceAgent>> ListWorkspaceAgentsAsync(Guid workspaceId, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"api/v2/workspaces/{workspaceId}/agents", null, OutpostJsonContext.Default.ListWorkspaceAgent, cancellationToken);

    /// <summary>Creates a provisioner key (admins and owners); its secret is in this answer only.</summary>
    public Task<CreateProvisionerKeyResponse> CreateProvisionerKeyAsync(CreateProvisionerKeyRequest request, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, "api/v2/provisionerkeys", JsonContent.Create(request, OutpostJsonContext.Default.CreateProvisionerKeyRequest), OutpostJsonContext.Default.CreateProvisionerKeyResponse, cancellationToken);

    /// <summary>Every provisioner key, without secrets.</summary>
    public Task<List<ProvisionerKey>> ListProvisionerKeysAsync(CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, "api/v2/provisionerkeys", null, OutpostJsonContext.Default.ListProvisionerKey, cancellationToken);

    /// <summary>Deletes a provisioner key by id or name; daemons using it are refused from then on.</summary>
    public Task DeleteProvisionerKeyAsync(string idOrName, CancellationToken cancellationToken) =>
        DeleteAsync($"api/v2/provisionerkeys/{Uri.EscapeDataString(idOrName)}", cancellationToken);

    /// <summary>Reads an SSE log stream: each <c>message</c> event is a line; the server ends the stream after its <c>end</c> event.</summary>
    private async IAsyncEnumerable<ProvisionerJobLog> FollowLogsAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in ServerSentEventsClient.ReadAsync(_http, path, OutpostJsonContext.Default.ProvisionerJobLog, cancellationToken).ConfigureAwait(false))
        {
            if (item.Value is { } log)
            {
                yield return log;
            }
        }
    }
}
