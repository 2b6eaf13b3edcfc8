using System.Net;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Templates;
using Outpost.Testing;

namespace Outpost.Server.Tests.Workspaces;

public sealed class TemplateTests(WorkspaceServerFixture fixture) : IClassFixture<WorkspaceServerFixture>
{
    private TestDaemon Daemon => new(fixture.Client, fixture.DaemonKey);

    [Fact]
    public async Task Uploading_the_same_archive_twice_stores_it_once_under_its_sha256()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        var tar = WorkspaceApi.Tar(("outpost.yaml", "name: twice\n"));

        using var first = await api.UploadRawAsync(tar);
        using var second = await api.UploadRawAsync(tar);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(tar));
        Assert.Contains(hash, await second.Content.ReadAsStringAsync().WithTimeout(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_is_not_a_tar_is_refused_with_the_importers_reason_and_not_stored()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        var garbage = "this is not a tar archive, just text that is long enough to fill a header block."u8.ToArray();

        using var response = await api.UploadRawAsync([.. Enumerable.Repeat(garbage, 10).SelectMany(b => b)]);
        var problem = await WorkspaceApi.ProblemAsync(response);
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData([.. Enumerable.Repeat(garbage, 10).SelectMany(b => b)]));
        var template = await api.CreateTemplateAsync("not-a-tar");
        using var version = await api.SendAsync(HttpMethod.Post, $"/api/v2/templates/{template.Id}/versions", new CreateTemplateVersionRequest { FileHash = hash });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not a usable template archive", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, version.StatusCode);
    }

    [Fact]
    public async Task An_archive_over_the_limit_is_refused_with_413()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);

        using var response = await api.UploadRawAsync(WorkspaceApi.Tar(("outpost.yaml", "name: big\n"), ("blob.txt", new string('x', (int)WorkspaceServerFixture.MaxFileBytes))));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("larger than the limit", (await WorkspaceApi.ProblemAsync(response)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pushed_version_is_imported_by_a_daemon_and_can_then_be_activated()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        var template = await api.CreateTemplateAsync("imported");
        var version = await api.CreateVersionAsync(template.Id, await api.UploadAsync(WorkspaceApi.StarterYaml));
        Assert.Equal(ProvisionerJobStatus.Pending, version.Job.Status);
        using var early = await api.SendAsync(HttpMethod.Patch, $"/api/v2/templates/{template.Id}", new UpdateTemplateRequest { ActiveVersionId = version.Id });

        var job = await Daemon.AcquireAsync(version.Job.Id);
        await Daemon.CompleteImportAsync(job);
        var imported = await api.ReadAsync<TemplateVersion>(HttpMethod.Get, $"/api/v2/templateversions/{version.Id}");
        var activated = await api.ReadAsync<Template>(HttpMethod.Patch, $"/api/v2/templates/imported", new UpdateTemplateRequest { ActiveVersionId = version.Id });

        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Equal(ProvisionerJobType.TemplateVersionImport, job.Type);
        Assert.Equal(version.Id, job.TemplateImport!.TemplateVersionId);
        Assert.Equal(64, job.TemplateFileHash.Length);
        Assert.Equal(ProvisionerJobStatus.Succeeded, imported.Job.Status);
        Assert.Equal(["greeting", "size"], imported.Parameters.Select(p => p.Name));
        Assert.Equal("main", Assert.Single(Assert.Single(imported.Resources).Agents).Name);
        Assert.Equal(version.Id, activated.ActiveVersionId);
    }

    [Fact]
    public async Task An_invalid_template_fails_its_import_with_line_and_column_in_the_status_and_the_logs()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        var template = await api.CreateTemplateAsync("broken");
        var version = await api.CreateVersionAsync(template.Id, await api.UploadAsync("name: broken\nagents:\n  - name: main\n    bogus_field: 1\n"));

        await Daemon.CompleteImportAsync(await Daemon.AcquireAsync(version.Job.Id));
        var failed = await api.ReadAsync<TemplateVersion>(HttpMethod.Get, $"/api/v2/templateversions/{version.Id}");
        var logs = await api.ReadAsync<List<ProvisionerJobLog>>(HttpMethod.Get, $"/api/v2/templateversions/{version.Id}/logs");
        using var activate = await api.SendAsync(HttpMethod.Patch, $"/api/v2/templates/{template.Id}", new UpdateTemplateRequest { ActiveVersionId = version.Id });

        Assert.Equal(ProvisionerJobStatus.Failed, failed.Job.Status);
        Assert.Equal("template_invalid", failed.Job.ErrorCode);
        Assert.Matches(@"outpost\.yaml:4:\d+", failed.Job.Error);
        Assert.Contains(logs, log => log.Output.Contains("outpost.yaml:4:", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Conflict, activate.StatusCode);
        Assert.Contains("import is failed", (await WorkspaceApi.ProblemAsync(activate)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_template_names_get_a_suggestion()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await api.CreateTemplateAsync("kubernetes");

        using var response = await api.SendAsync(HttpMethod.Get, "/api/v2/templates/kubernets");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("did you mean \"kubernetes\"", (await WorkspaceApi.ProblemAsync(response)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Members_read_templates_but_may_not_create_them()
    {
        var owner = await WorkspaceApi.LoginAsync(fixture.Client);
        using var created = await owner.SendAsync(HttpMethod.Post, "/api/v2/users",
            new Outpost.Sdk.Users.CreateUserRequest { Email = "member-t@example.com", Username = "member-t", Password = "member-password-1" });
        var member = await WorkspaceApi.LoginAsync(fixture.Client, "member-t@example.com", "member-password-1");

        using var list = await member.SendAsync(HttpMethod.Get, "/api/v2/templates");
        using var create = await member.SendAsync(HttpMethod.Post, "/api/v2/templates", new CreateTemplateRequest { Name = "members-template" });

        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
    }
}
