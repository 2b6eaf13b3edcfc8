using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Outpost.Server.Tests.Workspaces;
using Outpost.Server.Validation;
using Outpost.Testing;

namespace Outpost.Server.Tests.Validation;

/// <summary>
/// Issue 13 point 3: no input reaches PostgreSQL that it cannot store — NUL characters, over-long or
/// deceptive names, bodies over a route's limit, parameter values no process environment can hold,
/// uploads no import could use — and each refusal changes nothing.
/// </summary>
public sealed class InputLimitsTests(ValidationServerFixture fixture) : IClassFixture<ValidationServerFixture>
{
    private TestDaemon Daemon => new(fixture.Client, fixture.DaemonKey);

    [Theory]
    [InlineData("/api/v2/users/login", """{"email":"own\u0000er@example.com","password":"x"}""", "$.email", false)]
    [InlineData("/api/v2/templates", """{"name":"nul\u0000name"}""", "$.name", true)]
    [InlineData("/api/v2/templates", """{"name":"ok","description":"a\u0000b"}""", "$.description", true)]
    [InlineData("/api/v2/workspaces", """{"name":"w","template_name":"t","parameters":[{"name":"p","value":"\u0000"}]}""", "$.parameters[0].value", true)]
    [InlineData("/api/v2/users/first", """{"email":"a@example.com","username":"a","password":"\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000"}""", "$.password", false)]
    public async Task A_nul_character_in_a_json_string_is_a_400_naming_it(string path, string body, string field, bool signedIn)
    {
        var token = signedIn ? (await WorkspaceApi.LoginAsync(fixture.Client)).Token : null;
        var before = await DatabaseSnapshot.TakeAsync(fixture.ConnectionString);

        using var response = await RawRequests.SendAsync(fixture.Client, HttpMethod.Post, path, token, body);
        var problem = await ProblemBody.ReadAsync(response);

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_request", field), (problem.Status, problem.Code, problem.Field));
        Assert.Contains("NUL", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await DatabaseSnapshot.TakeAsync(fixture.ConnectionString));
    }

    [Theory]
    [InlineData("/api/v2/workspaces?q=owner%00me", "q")]
    [InlineData("/api/v2/workspaces?owner=me&template=%00", "template")]
    public async Task A_nul_character_in_the_query_is_a_400_naming_it(string path, string field)
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);

        using var response = await RawRequests.SendAsync(fixture.Client, HttpMethod.Get, path, api.Token);
        var problem = await ProblemBody.ReadAsync(response);

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_request", field), (problem.Status, problem.Code, problem.Field));
    }

    [Theory]
    [InlineData("/api/v2/workspaces?limit=0", "validation_failed", "limit must be between 1 and 200, not 0")]
    [InlineData("/api/v2/users?limit=501", "validation_failed", "limit must be between 1 and 500, not 501")]
    [InlineData("/api/v2/connections?limit=-1", "validation_failed", "limit must be between 1 and 500, not -1")]
    [InlineData("/api/v2/workspaces?limit=ten", "invalid_request", "the parameter limit must be")]
    public async Task A_page_limit_out_of_range_or_not_a_number_is_a_400_naming_limit(string path, string code, string detail)
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);

        using var response = await RawRequests.SendAsync(fixture.Client, HttpMethod.Get, path, api.Token);
        var problem = await ProblemBody.ReadAsync(response);

        Assert.Equal((HttpStatusCode.BadRequest, code, "limit"), (problem.Status, problem.Code, problem.Field));
        Assert.StartsWith(detail, problem.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/v2/templates/bad%00name")]
    [InlineData("/api/v2/users/me/keys/tokens/x%00y")]
    public async Task A_nul_character_in_the_path_is_refused_by_the_web_server_with_400(string path)
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);

        using var response = await RawRequests.SendAsync(fixture.Client, path.Contains("tokens", StringComparison.Ordinal) ? HttpMethod.Delete : HttpMethod.Get, path, api.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task A_nul_character_in_a_refresh_token_is_a_400_not_a_500()
    {
        var before = await DatabaseSnapshot.TakeAsync(fixture.ConnectionString);
        using var content = new StringContent("grant_type=refresh_token&refresh_token=abc%00def", Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");

        using var response = await fixture.Client.PostAsync(new Uri("/oauth2/token", UriKind.Relative), content).WithTimeout();
        var problem = await ProblemBody.ReadAsync(response);

        // The framework's form decoder refuses %00 without saying which value held it.
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_request", "form"), (problem.Status, problem.Code, problem.Field));
        Assert.Equal(before, await DatabaseSnapshot.TakeAsync(fixture.ConnectionString));
    }

    [Theory]
    [InlineData("/api/v2/users/me/keys/tokens", """{"token_name":"line\nbreak"}""", "token_name")]
    [InlineData("/api/v2/users/me/keys/tokens", """{"token_name":"evil\u202Egnp.exe"}""", "token_name")]
    [InlineData("/api/v2/provisionerkeys", """{"name":"tab\there"}""", "name")]
    [InlineData("/api/v2/templates", """{"name":"long-description","description":"DESCRIPTION"}""", "description")]
    [InlineData("/api/v2/templates", """{"name":"bidi-description","description":"safe \u2066hidden\u2069"}""", "description")]
    public async Task Names_and_descriptions_have_limits_and_refuse_control_and_bidi_characters(string path, string body, string field)
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        var before = await DatabaseSnapshot.TakeAsync(fixture.ConnectionString);

        using var response = await RawRequests.SendAsync(fixture.Client, HttpMethod.Post, path, api.Token,
            body.Replace("DESCRIPTION", new string('d', RequestRules.MaxDescriptionLength + 1), StringComparison.Ordinal));
        var problem = await ProblemBody.ReadAsync(response);

        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed", field), (problem.Status, problem.Code, problem.Field));
        Assert.True(problem.HasError(field), problem.ToString());
        Assert.Equal(before, await DatabaseSnapshot.TakeAsync(fixture.ConnectionString));
    }

    [Fact]
    public async Task A_description_may_span_lines()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);

        using var response = await RawRequests.SendAsync(fixture.Client, HttpMethod.Post, "/api/v2/templates", api.Token,
            """{"name":"multi-line","description":"first line\nsecond line\twith a tab"}""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task A_body_over_the_routes_limit_is_413_while_an_upload_keeps_its_larger_limit()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        var before = await DatabaseSnapshot.TakeAsync(fixture.ConnectionString);
        var padding = new string('x', (int)RequestValidation.DefaultBodyLimit + 1024);

        using var tooLarge = await RawRequests.SendAsync(fixture.Client, HttpMethod.Post, "/api/v2/templates", api.Token,
            $$"""{"name":"too-large","description":"{{padding}}"}""");
        var problem = await ProblemBody.ReadAsync(tooLarge);
        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, "payload_too_large"), (problem.Status, problem.Code));
        Assert.Equal(before, await DatabaseSnapshot.TakeAsync(fixture.ConnectionString));

        using var upload = await api.UploadRawAsync(WorkspaceApi.Tar(("outpost.yaml", "name: big-upload\n"), ("blob.txt", padding + padding)));
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
    }

    [Theory]
    [InlineData("secrets")]
    [InlineData("instance-identity")]
    public async Task A_body_over_the_limit_on_the_newer_routes_is_413_and_changes_nothing(string route)
    {
        // RawRequests sends a large body with "Expect: 100-continue", so the 413 arrives before the body is written.
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        var before = await DatabaseSnapshot.TakeAsync(fixture.ConnectionString);
        var (path, token) = route == "secrets"
            ? (Outpost.Server.Secrets.UserSecretEndpoints.Route, api.Token)
            : (Sdk.Agents.InstanceIdentityApi.AwsPath, (string?)null);
        var padding = new string('x', (int)RequestValidation.DefaultBodyLimit + 1024);

        using var response = await RawRequests.SendAsync(fixture.Client, HttpMethod.Post, path, token, $$"""{"name":"big","value":"{{padding}}"}""");
        var problem = await ProblemBody.ReadAsync(response);

        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, "payload_too_large"), (problem.Status, problem.Code));
        Assert.Equal(before, await DatabaseSnapshot.TakeAsync(fixture.ConnectionString));
    }

    [Fact]
    public async Task A_parameter_value_over_the_limit_is_refused_when_the_workspace_is_created()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        await api.ReadyTemplateAsync(Daemon, "huge-parameter");
        var before = await DatabaseSnapshot.TakeAsync(fixture.ConnectionString);

        using var response = await api.CreateWorkspaceRawAsync("huge", "huge-parameter", ("greeting", new string('g', RequestRules.MaxParameterValueLength + 1)));
        var problem = await ProblemBody.ReadAsync(response);

        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed", "parameters[0].value"), (problem.Status, problem.Code, problem.Field));
        Assert.Equal(before, await DatabaseSnapshot.TakeAsync(fixture.ConnectionString));
    }

    [Theory]
    [InlineData("README.md", "# no outpost.yaml here\n", "has no outpost.yaml")]
    [InlineData("outpost.yaml", "LATIN1", "not UTF-8")]
    public async Task An_upload_without_a_usable_outpost_yaml_is_refused_at_upload(string file, string content, string reason)
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        var before = await DatabaseSnapshot.TakeAsync(fixture.ConnectionString);
        var tar = content == "LATIN1"
            ? LatinOneYaml()
            : WorkspaceApi.Tar((file, content));

        using var response = await api.UploadRawAsync(tar);
        var problem = await ProblemBody.ReadAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, problem.Status);
        Assert.Contains(reason, problem.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await DatabaseSnapshot.TakeAsync(fixture.ConnectionString));
    }

    private static byte[] LatinOneYaml()
    {
        using var buffer = new MemoryStream();
        using (var writer = new System.Formats.Tar.TarWriter(buffer, System.Formats.Tar.TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "outpost.yaml")
            {
                DataStream = new MemoryStream([.. "description: caf"u8.ToArray(), 0xE9, (byte)'\n']),
            });
        }

        return buffer.ToArray();
    }
}
