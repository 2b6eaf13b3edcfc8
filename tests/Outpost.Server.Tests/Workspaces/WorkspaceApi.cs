using System.Formats.Tar;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Outpost.Sdk;
using Outpost.Sdk.Files;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Templates;
using Outpost.Sdk.Workspaces;
using Outpost.Server.Tests.Identity;
using Outpost.Testing;

namespace Outpost.Server.Tests.Workspaces;

/// <summary>A signed-in user's raw HTTP calls to the templates and workspaces API.</summary>
internal sealed class WorkspaceApi(HttpClient client, string token)
{
    public const string StarterYaml = """
        name: starter
        parameters:
          - name: greeting
            default: hello
          - name: size
            type: number
            default: "1"
            options: ["1", "2"]
            mutable: false
        agents:
          - name: main
            env:
              EDITOR: vi
        env:
          - name: SEARCH_PATH
            value: /a
          - name: SEARCH_PATH
            value: /b
            merge_strategy: append
        """;

    public string Token => token;

    public static async Task<WorkspaceApi> LoginAsync(HttpClient client, string email = IdentityApi.OwnerEmail, string password = IdentityApi.OwnerPassword) =>
        new(client, (await IdentityApi.LoginAsync(client, email, password)).AccessToken);

    public static byte[] Tar(params (string Path, string Content)[] files)
    {
        using var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (path, content) in files)
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, path) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) };
                writer.WriteEntry(entry);
            }
        }

        return buffer.ToArray();
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: OutpostJson.Options);
        }

        return await client.SendAsync(request).WithTimeout();
    }

    public async Task<T> ReadAsync<T>(HttpMethod method, string path, object? body = null, HttpStatusCode? expect = null)
    {
        using var response = await SendAsync(method, path, body);
        if (expect is { } status ? response.StatusCode != status : !response.IsSuccessStatusCode)
        {
            Assert.Fail($"{method} {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync().WithTimeout()}");
        }

        return (await response.Content.ReadFromJsonAsync<T>(OutpostJson.Options).WithTimeout())!;
    }

    public async Task<HttpResponseMessage> UploadRawAsync(byte[] data)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v2/files") { Content = new ByteArrayContent(data) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await client.SendAsync(request).WithTimeout();
    }

    public async Task<string> UploadAsync(string yaml)
    {
        using var response = await UploadRawAsync(Tar(("outpost.yaml", yaml)));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<UploadResponse>(OutpostJson.Options).WithTimeout())!.Hash;
    }

    public Task<Template> CreateTemplateAsync(string name) =>
        ReadAsync<Template>(HttpMethod.Post, "/api/v2/templates", new CreateTemplateRequest { Name = name });

    public Task<TemplateVersion> CreateVersionAsync(Guid templateId, string fileHash) =>
        ReadAsync<TemplateVersion>(HttpMethod.Post, $"/api/v2/templates/{templateId}/versions", new CreateTemplateVersionRequest { FileHash = fileHash });

    /// <summary>A template with one imported, active version (the daemon plays its part).</summary>
    public async Task<(Template Template, TemplateVersion Version)> ReadyTemplateAsync(TestDaemon daemon, string name, string yaml = StarterYaml)
    {
        var template = await CreateTemplateAsync(name);
        var version = await CreateVersionAsync(template.Id, await UploadAsync(yaml));
        var job = await daemon.AcquireAsync(version.Job.Id);
        await daemon.CompleteImportAsync(job);
        var updated = await ReadAsync<Template>(HttpMethod.Patch, $"/api/v2/templates/{template.Id}", new UpdateTemplateRequest { ActiveVersionId = version.Id });
        return (updated, await ReadAsync<TemplateVersion>(HttpMethod.Get, $"/api/v2/templateversions/{version.Id}"));
    }

    public Task<HttpResponseMessage> CreateWorkspaceRawAsync(string name, string template, params (string Name, string Value)[] parameters) =>
        SendAsync(HttpMethod.Post, "/api/v2/workspaces", new CreateWorkspaceRequest
        {
            Name = name,
            TemplateName = template,
            Parameters = [.. parameters.Select(p => new ParameterValue { Name = p.Name, Value = p.Value })],
        });

    public async Task<Workspace> CreateWorkspaceAsync(string name, string template, params (string Name, string Value)[] parameters)
    {
        using var response = await CreateWorkspaceRawAsync(name, template, parameters);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<Workspace>(OutpostJson.Options).WithTimeout())!;
    }

    public Task<Workspace> GetWorkspaceAsync(Guid id) => ReadAsync<Workspace>(HttpMethod.Get, $"/api/v2/workspaces/{id}");

    public Task<HttpResponseMessage> BuildRawAsync(Guid workspaceId, WorkspaceTransition transition) =>
        SendAsync(HttpMethod.Post, $"/api/v2/workspaces/{workspaceId}/builds", new CreateWorkspaceBuildRequest { Transition = transition });

    public Task<WorkspaceBuild> BuildAsync(Guid workspaceId, WorkspaceTransition transition) =>
        ReadAsync<WorkspaceBuild>(HttpMethod.Post, $"/api/v2/workspaces/{workspaceId}/builds",
            new CreateWorkspaceBuildRequest { Transition = transition }, HttpStatusCode.Created);

    public static async Task<ApiProblem> ProblemAsync(HttpResponseMessage response) => await IdentityApi.ProblemAsync(response);
}
