using System.Net;
using Outpost.Server.Tests.Workspaces;

namespace Outpost.Server.Tests.Validation;

/// <summary>
/// Issue 13 point 2: every request the server cannot read answers 400 <c>invalid_request</c> naming
/// the field and the form it expects, and changes nothing in the database.
/// </summary>
public sealed class InvalidRequestTests(ValidationServerFixture fixture) : IClassFixture<ValidationServerFixture>
{
    [Theory]
    [InlineData("/api/v2/templates", """{"name": "x",""", "$", "not valid JSON")]
    [InlineData("/api/v2/templates", """{"name": "x" "description": "y"}""", "$", "not valid JSON")]
    [InlineData("/api/v2/templates", """{"description":"no name"}""", "$.name", "a string")]
    [InlineData("/api/v2/templates", """{"name":42}""", "$.name", "a string")]
    [InlineData("/api/v2/templates", """["not","an","object"]""", "$", "a JSON object")]
    [InlineData("/api/v2/workspaces", """{"name":"w","template_id":42}""", "$.template_id", "a UUID")]
    [InlineData("/api/v2/workspaces", """{"name":"w","template_id":"not-a-uuid"}""", "$.template_id", "a UUID")]
    [InlineData("/api/v2/workspaces", """{"name":"w","template_name":"t","reason":"because"}""", "$.reason", "one of initiator")]
    [InlineData("/api/v2/workspaces", """{"name":"w","template_name":"t","parameters":[{"name":"a"}]}""", "$.parameters[0].value", "a string")]
    [InlineData("/api/v2/workspaces", """{"name":"w","template_name":"t","parameters":{"a":"b"}}""", "$.parameters", "an array")]
    [InlineData("/api/v2/users/me/keys/tokens", """{"token_name":"t","lifetime_seconds":"soon"}""", "$.lifetime_seconds", null)]
    public async Task A_body_that_cannot_be_read_names_the_field_and_the_expected_form(string path, string body, string field, string? expected)
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        var before = await DatabaseSnapshot.TakeAsync(fixture.ConnectionString);

        using var response = await RawRequests.SendAsync(fixture.Client, HttpMethod.Post, path, api.Token, body);
        var problem = await ProblemBody.ReadAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, problem.Status);
        Assert.Equal("invalid_request", problem.Code);
        Assert.True(problem.Field is not null && problem.Field.StartsWith(field, StringComparison.Ordinal), problem.ToString());
        Assert.False(string.IsNullOrEmpty(problem.Expected), problem.ToString());
        if (expected is not null)
        {
            Assert.True(problem.Expected!.Contains(expected, StringComparison.Ordinal) || problem.Detail!.Contains(expected, StringComparison.Ordinal), problem.ToString());
        }

        Assert.True(problem.HasError(problem.Field!), problem.ToString());
        Assert.Equal(before, await DatabaseSnapshot.TakeAsync(fixture.ConnectionString));
    }

    [Fact]
    public async Task An_unknown_transition_lists_the_known_ones()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        var before = await DatabaseSnapshot.TakeAsync(fixture.ConnectionString);

        using var response = await RawRequests.SendAsync(fixture.Client, HttpMethod.Post, $"/api/v2/workspaces/{Guid.NewGuid()}/builds", api.Token, """{"transition":"explode"}""");
        var problem = await ProblemBody.ReadAsync(response);

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_request", "$.transition"), (problem.Status, problem.Code, problem.Field));
        Assert.Contains("start, stop, delete", problem.Expected, StringComparison.Ordinal);
        Assert.Equal(before, await DatabaseSnapshot.TakeAsync(fixture.ConnectionString));
    }

    [Fact]
    public async Task A_transition_given_as_a_number_is_refused()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);

        using var response = await RawRequests.SendAsync(fixture.Client, HttpMethod.Post, $"/api/v2/workspaces/{Guid.NewGuid()}/builds", api.Token, """{"transition":0}""");
        var problem = await ProblemBody.ReadAsync(response);

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_request", "$.transition"), (problem.Status, problem.Code, problem.Field));
    }

    [Theory]
    [InlineData("/api/v2/workspaces/not-a-uuid", "id")]
    [InlineData("/api/v2/workspacebuilds/12345/logs", "id")]
    [InlineData("/api/v2/templateversions/zzz", "id")]
    [InlineData("/api/v2/workspaceagents/nope/lifecycle", "id")]
    public async Task A_malformed_id_in_the_path_names_the_parameter(string path, string field)
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);

        using var response = await RawRequests.SendAsync(fixture.Client, HttpMethod.Get, path, api.Token);
        var problem = await ProblemBody.ReadAsync(response);

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_request", field), (problem.Status, problem.Code, problem.Field));
        Assert.Contains("UUID", problem.Expected, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_query_parameter_names_the_parameter()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);

        using var response = await RawRequests.SendAsync(fixture.Client, HttpMethod.Get, $"/api/v2/workspacebuilds/{Guid.NewGuid()}/logs?after=yesterday", api.Token);
        var problem = await ProblemBody.ReadAsync(response);

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_request", "after"), (problem.Status, problem.Code, problem.Field));
        Assert.Equal("an integer", problem.Expected);
    }

    [Fact]
    public async Task A_missing_body_says_a_json_body_is_needed()
    {
        var api = await WorkspaceApi.LoginAsync(fixture.Client);
        var before = await DatabaseSnapshot.TakeAsync(fixture.ConnectionString);

        using var response = await RawRequests.SendAsync(fixture.Client, HttpMethod.Post, "/api/v2/templates", api.Token);
        var problem = await ProblemBody.ReadAsync(response);

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_request", "$"), (problem.Status, problem.Code, problem.Field));
        Assert.Equal(before, await DatabaseSnapshot.TakeAsync(fixture.ConnectionString));
    }

    [Fact]
    public async Task An_anonymous_login_with_a_missing_password_names_it()
    {
        using var response = await RawRequests.SendAsync(fixture.Client, HttpMethod.Post, "/api/v2/users/login", null, """{"email":"owner@example.com"}""");
        var problem = await ProblemBody.ReadAsync(response);

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_request", "$.password"), (problem.Status, problem.Code, problem.Field));
    }
}
