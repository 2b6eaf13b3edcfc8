using System.Net;
using System.Net.Http.Json;
using Outpost.Sdk;
using Outpost.Sdk.Diagnostics;
using Outpost.Sdk.Users;
using Outpost.Server.Tests.Identity;
using Outpost.Server.Tests.Workspaces;
using Outpost.Server.Timeline;
using Outpost.Testing;

namespace Outpost.Server.Tests.Diagnostics;

/// <summary>
/// Issue 24: <c>GET /api/v2/workspaces/{id}/support/agent-logs</c>, the support bundle's agent logs: who may read them,
/// the bound on lines, and the server-side redaction (the end-to-end canary test is <c>DiagnoseBundleTests</c>).
/// </summary>
public sealed class SupportLogsTests(WorkspaceServerFixture fixture) : IClassFixture<WorkspaceServerFixture>
{
    [Fact]
    public async Task The_owner_reads_them_anyone_else_gets_404_and_lines_out_of_bounds_is_a_400_naming_lines()
    {
        var owner = await WorkspaceApi.LoginAsync(fixture.Client);
        var daemon = new TestDaemon(fixture.Client, fixture.DaemonKey);
        await owner.ReadyTemplateAsync(daemon, "support-logs");
        var workspace = await owner.CreateWorkspaceAsync("support-ws", "support-logs");

        using (var read = await IdentityApi.SendAsync(fixture.Client, HttpMethod.Get, SupportLogsApi.PathFor(workspace.Id), owner.Token))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            var logs = (await read.Content.ReadFromJsonAsync(SupportLogsJsonContext.Default.WorkspaceSupportLogs).WithTimeout())!;
            Assert.Equal((workspace.Id, SupportLogsApi.DefaultLines, null), (logs.WorkspaceId, logs.MaxLines, logs.BuildNumber));
            Assert.Empty(logs.Agents);
        }

        foreach (var lines in new[] { 0, SupportLogsApi.MaxLines + 1 })
        {
            using var bad = await IdentityApi.SendAsync(fixture.Client, HttpMethod.Get, $"{SupportLogsApi.PathFor(workspace.Id)}?lines={lines}", owner.Token);
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            using var problem = System.Text.Json.JsonDocument.Parse(await bad.Content.ReadAsStringAsync());
            Assert.Equal("lines", problem.RootElement.GetProperty("field").GetString());
        }

        using (var missing = await IdentityApi.SendAsync(fixture.Client, HttpMethod.Get, SupportLogsApi.PathFor(Guid.NewGuid()), owner.Token))
        {
            Assert.Equal((HttpStatusCode.NotFound, ProblemCodes.WorkspaceNotFound), (missing.StatusCode, (await IdentityApi.ProblemAsync(missing)).Code));
        }

        var suffix = Guid.NewGuid().ToString("N")[..8];
        using (var created = await owner.SendAsync(HttpMethod.Post, "/api/v2/users",
            new CreateUserRequest { Email = $"o-{suffix}@example.com", Username = $"o-{suffix}", Password = "member-password-1" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var member = await IdentityApi.LoginAsync(fixture.Client, $"o-{suffix}@example.com", "member-password-1");
        using var hidden = await IdentityApi.SendAsync(fixture.Client, HttpMethod.Get, SupportLogsApi.PathFor(workspace.Id), member.AccessToken);
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
    }

    [Fact]
    public void The_redactor_replaces_each_value_whole_and_each_line_of_a_multi_line_one_and_leaves_short_values_alone()
    {
        var redactor = new SupportLogsEndpoints.Redactor(["s3cret-value", "s3cret-value-longer", "ab", "first line of a prompt\nsecond line of it"]);
        Assert.Equal(("key=[REDACTED] and [REDACTED]", 2), redactor.Redact("key=s3cret-value-longer and s3cret-value"));
        Assert.Equal(("> [REDACTED]", 1), redactor.Redact("> second line of it"));
        Assert.Equal(("[REDACTED]", 1), redactor.Redact("first line of a prompt\nsecond line of it"));
        Assert.Equal(("ab cd", 0), redactor.Redact("ab cd"));
    }
}
