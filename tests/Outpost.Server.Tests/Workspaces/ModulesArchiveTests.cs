using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Outpost.Sdk;
using Outpost.Sdk.Files;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Templates;
using Outpost.Testing;

namespace Outpost.Server.Tests.Workspaces;

/// <summary>
/// An import's Terraform modules archive and presets: the daemon stores the archive with <c>POST files</c>,
/// the completion names it, the version records it (with the presets), and builds of the version name it.
/// </summary>
public sealed class ModulesArchiveTests(WorkspaceServerFixture fixture) : IClassFixture<WorkspaceServerFixture>
{
    private TestDaemon Daemon => new(fixture.Client, fixture.DaemonKey);

    [Fact]
    public async Task A_daemon_stores_an_archive_by_hash_once_and_refuses_what_is_not_a_tar()
    {
        var archive = WorkspaceApi.Tar(("greeting/main.tf", $"output \"id\" {{ value = \"{Guid.NewGuid()}\" }}\n"));

        using var first = await UploadAsync(archive);
        using var again = await UploadAsync(archive);
        using var garbage = await UploadAsync("not a tar archive at all"u8.ToArray());
        var stored = await Daemon.DownloadAsync(Convert.ToHexStringLower(SHA256.HashData(archive)));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(archive)), (await first.Content.ReadFromJsonAsync<UploadResponse>(OutpostJson.Options))!.Hash);
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        Assert.Equal(ProblemCodes.InvalidArchive, (await WorkspaceApi.ProblemAsync(garbage)).Code);
        Assert.Equal(archive, stored);
    }

    [Fact]
    public async Task The_version_records_the_modules_archive_and_presets_and_its_builds_name_the_archive()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        var template = await api.CreateTemplateAsync("modular");
        var version = await api.CreateVersionAsync(template.Id, await api.UploadAsync(WorkspaceApi.StarterYaml));
        var job = await Daemon.AcquireAsync(version.Job.Id);
        var archive = WorkspaceApi.Tar(("greeting/main.tf", "variable \"name\" {}\n"));
        using (var upload = await UploadAsync(archive))
        {
            Assert.True(upload.IsSuccessStatusCode, await upload.Content.ReadAsStringAsync());
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(archive));
        var presets = new List<TemplateVersionPreset>
        {
            new() { Name = "small", Default = true, Parameters = new Dictionary<string, string> { ["size"] = "1" } },
            new() { Name = "large", Description = "For builds", Parameters = new Dictionary<string, string> { ["size"] = "8", ["greeting"] = "hi" } },
        };
        var result = TestDaemon.ImportResult(Outpost.Provisioner.Templates.TemplateParser.Parse(WorkspaceApi.StarterYaml).Definition!) with { Presets = presets };

        using var unknown = await Daemon.CompleteRawAsync(job.JobId, new CompleteJobRequest { TemplateImport = result with { ModulesFileHash = new string('e', 64) } });
        using var completed = await Daemon.CompleteRawAsync(job.JobId, new CompleteJobRequest { TemplateImport = result with { ModulesFileHash = hash } });
        var imported = await api.ReadAsync<TemplateVersion>(HttpMethod.Get, $"/api/v2/templateversions/{version.Id}");

        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("names no stored file", (await WorkspaceApi.ProblemAsync(unknown)).Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, completed.StatusCode);
        Assert.Equal(hash, imported.ModulesFileHash);
        Assert.Equal(["small", "large"], imported.Presets.Select(preset => preset.Name));
        Assert.True(imported.Presets[0].Default);
        Assert.Equal("8", imported.Presets[1].Parameters["size"]);
        Assert.Equal("For builds", imported.Presets[1].Description);

        await api.ReadAsync<Template>(HttpMethod.Patch, $"/api/v2/templates/{template.Id}", new UpdateTemplateRequest { ActiveVersionId = version.Id });
        var workspace = await api.CreateWorkspaceAsync("modular-one", "modular");
        var build = await Daemon.AcquireAsync(workspace.LatestBuild.Job.Id);

        Assert.Equal(hash, build.ModulesFileHash);
        Assert.Equal(version.Id, build.WorkspaceBuild!.TemplateVersionId);
        await Daemon.CompleteBuildAsync(build, []);
    }

    private async Task<HttpResponseMessage> UploadAsync(byte[] data)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, ProvisionerDaemonApi.Prefix + "/files") { Content = new ByteArrayContent(data) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        request.Headers.Add(ProvisionerDaemonApi.KeyHeader, fixture.DaemonKey);
        return await fixture.Client.SendAsync(request).WithTimeout();
    }
}
