using System.Net;
using System.Net.Http.Json;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Secrets;
using Outpost.Sdk.Users;
using Outpost.Server.Secrets;
using Outpost.Server.Tests.Workspaces;
using Outpost.Testing;
using static Outpost.Server.Tests.Identity.IdentityApi;

namespace Outpost.Server.Tests.Secrets;

/// <summary>The secrets API over real HTTP against the real server and database.</summary>
public sealed class UserSecretApiTests(WorkspaceServerFixture fixture) : IClassFixture<WorkspaceServerFixture>
{
    private const string Route = "/api/v2/users/me/secrets";

    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task A_secret_is_created_listed_without_its_value_updated_and_deleted()
    {
        var token = await NewUserAsync();
        using var created = await SendAsync(Client, HttpMethod.Post, Route, token,
            new CreateUserSecretRequest { Name = "github", Value = "ghp-list-canary", EnvName = "GITHUB_TOKEN", FilePath = "~/.config/gh/token", Description = "for gh" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.DoesNotContain("ghp-list-canary", await created.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var listed = await SendAsync(Client, HttpMethod.Get, Route, token);
        var body = await listed.Content.ReadAsStringAsync();
        Assert.DoesNotContain("ghp-list-canary", body, StringComparison.Ordinal);
        var secret = Assert.Single((await listed.Content.ReadFromJsonAsync<List<UserSecret>>(OutpostJson.Options))!);
        Assert.Equal(("github", "GITHUB_TOKEN", "~/.config/gh/token", "for gh"), (secret.Name, secret.EnvName, secret.FilePath, secret.Description));

        using var updated = await SendAsync(Client, HttpMethod.Patch, $"{Route}/github", token, new UpdateUserSecretRequest { Value = "ghp-second", FilePath = "" });
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var after = (await updated.Content.ReadFromJsonAsync<UserSecret>(OutpostJson.Options))!;
        Assert.Equal(("GITHUB_TOKEN", ""), (after.EnvName, after.FilePath));
        Assert.Equal("ghp-second", Assert.Single(await fixture.Service<UserSecretStore>().ListForBuildAsync(await UserIdAsync(token), CancellationToken.None)).Value);

        using var deleted = await SendAsync(Client, HttpMethod.Delete, $"{Route}/github", token);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var again = await SendAsync(Client, HttpMethod.Delete, $"{Route}/github", token);
        Assert.Equal((HttpStatusCode.NotFound, ProblemCodes.SecretNotFound), (again.StatusCode, (await ProblemAsync(again)).Code));
    }

    [Fact]
    public async Task Another_users_secret_is_invisible_and_404_to_change_or_delete()
    {
        var alice = await NewUserAsync();
        var bob = await NewUserAsync();
        using var _ = await SendAsync(Client, HttpMethod.Post, Route, alice, new CreateUserSecretRequest { Name = "mine", Value = "alice-only", EnvName = "ALICE" });

        using var bobList = await SendAsync(Client, HttpMethod.Get, Route, bob);
        Assert.Empty((await bobList.Content.ReadFromJsonAsync<List<UserSecret>>(OutpostJson.Options))!);
        using var bobUpdate = await SendAsync(Client, HttpMethod.Patch, $"{Route}/mine", bob, new UpdateUserSecretRequest { Value = "stolen" });
        using var bobDelete = await SendAsync(Client, HttpMethod.Delete, $"{Route}/mine", bob);
        Assert.Equal(HttpStatusCode.NotFound, bobUpdate.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, bobDelete.StatusCode);
        // Bob may use the same name and binding for his own.
        using var bobOwn = await SendAsync(Client, HttpMethod.Post, Route, bob, new CreateUserSecretRequest { Name = "mine", Value = "bob", EnvName = "ALICE" });
        Assert.Equal(HttpStatusCode.Created, bobOwn.StatusCode);
        Assert.Equal("alice-only", Assert.Single(await fixture.Service<UserSecretStore>().ListForBuildAsync(await UserIdAsync(alice), CancellationToken.None)).Value);
    }

    public static TheoryData<string, string, string> Refusals() => new()
    {
        { """{"name":"a","value":"v","env_name":"PATH"}""", ProblemCodes.SecretEnvInvalid, "env_name" },
        { """{"name":"a","value":"v","env_name":"outpost_x"}""", ProblemCodes.SecretEnvInvalid, "env_name" },
        { """{"name":"a","value":"v","env_name":"LD_PRELOAD"}""", ProblemCodes.SecretEnvInvalid, "env_name" },
        { """{"name":"a","value":"v","env_name":"9LIVES"}""", ProblemCodes.SecretEnvInvalid, "env_name" },
        { """{"name":"a","value":"v","file_path":"relative/path"}""", ProblemCodes.SecretFileInvalid, "file_path" },
        // A NUL anywhere in a JSON string is refused as the body is read (RequestValidation), naming the field's path.
        { """{"name":"a","value":"v","file_path":"/nul\u0000byte"}""", ProblemCodes.InvalidRequest, "file_path" },
        { """{"name":"a","value":"nul\u0000byte"}""", ProblemCodes.InvalidRequest, "value" },
        { """{"name":"bad name","value":"v"}""", ProblemCodes.SecretNameInvalid, "name" },
        { $$"""{"name":"a","value":"{{new string('x', SecretRules.MaxValueBytes + 1)}}"}""", ProblemCodes.SecretValueInvalid, "value" },
        { $$"""{"name":"a","value":"v","description":"{{new string('d', SecretRules.MaxDescriptionLength + 1)}}"}""", ProblemCodes.SecretDescriptionInvalid, "description" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Each_invalid_field_is_a_400_naming_it_and_nothing_is_stored(string json, string code, string field)
    {
        var token = await NewUserAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, Route) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new("Bearer", token);
        using var response = await Client.SendAsync(request).WithTimeout();
        var problem = await ProblemAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(code, problem.Code);
        Assert.EndsWith(field, Assert.Single(problem.Errors!.Keys), StringComparison.Ordinal);
        // The answer never repeats what was sent.
        Assert.DoesNotContain(new string('x', 64), problem.Detail!, StringComparison.Ordinal);
        Assert.DoesNotContain("nul\0", problem.Detail!, StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync(await UserIdAsync(token)));
    }

    [Fact]
    public async Task An_invalid_update_is_a_400_and_changes_nothing()
    {
        var token = await NewUserAsync();
        using var _ = await SendAsync(Client, HttpMethod.Post, Route, token, new CreateUserSecretRequest { Name = "s", Value = "before", EnvName = "KEEP" });
        using var response = await SendAsync(Client, HttpMethod.Patch, $"{Route}/s", token, new UpdateUserSecretRequest { Value = "after", EnvName = "HOME" });
        Assert.Equal((HttpStatusCode.BadRequest, ProblemCodes.SecretEnvInvalid), (response.StatusCode, (await ProblemAsync(response)).Code));
        var stored = Assert.Single(await fixture.Service<UserSecretStore>().ListForBuildAsync(await UserIdAsync(token), CancellationToken.None));
        Assert.Equal(("KEEP", "before"), (stored.EnvName, stored.Value));
    }

    [Fact]
    public async Task A_taken_name_env_or_file_is_a_409_naming_the_field()
    {
        var token = await NewUserAsync();
        using var _ = await SendAsync(Client, HttpMethod.Post, Route, token, new CreateUserSecretRequest { Name = "one", Value = "v", EnvName = "E", FilePath = "/f" });
        foreach (var (request, field) in new (CreateUserSecretRequest, string)[]
        {
            (new() { Name = "one", Value = "v" }, "name"),
            (new() { Name = "two", Value = "v", EnvName = "E" }, "env_name"),
            (new() { Name = "three", Value = "v", FilePath = "/f" }, "file_path"),
        })
        {
            using var response = await SendAsync(Client, HttpMethod.Post, Route, token, request);
            var problem = await ProblemAsync(response);
            Assert.Equal((HttpStatusCode.Conflict, ProblemCodes.SecretExists), (response.StatusCode, problem.Code));
            Assert.Equal([field], problem.Errors!.Keys);
        }

        Assert.Equal(1, await CountAsync(await UserIdAsync(token)));
    }

    [Fact]
    public async Task The_101st_secret_is_refused()
    {
        var token = await NewUserAsync();
        var userId = await UserIdAsync(token);
        var store = fixture.Service<UserSecretStore>();
        for (var i = 0; i < SecretRules.MaxSecretsPerUser; i++)
        {
            Assert.Null((await store.CreateAsync(userId, new CreateUserSecretRequest { Name = $"s{i}", Value = "v" }, CancellationToken.None)).Refusal.Violation);
        }

        using var response = await SendAsync(Client, HttpMethod.Post, Route, token, new CreateUserSecretRequest { Name = "one-too-many", Value = "v" });
        Assert.Equal((HttpStatusCode.BadRequest, ProblemCodes.SecretLimitReached), (response.StatusCode, (await ProblemAsync(response)).Code));
        Assert.Equal(SecretRules.MaxSecretsPerUser, await CountAsync(userId));
    }

    [Fact]
    public async Task Secrets_whose_build_time_size_would_pass_256_KiB_are_refused_when_saved()
    {
        var token = await NewUserAsync();
        var big = new string('x', SecretRules.MaxValueBytes);
        // Bound to both an env and a file each secret counts its value twice: about 64 KiB each.
        for (var i = 0; i < 3; i++)
        {
            using var ok = await SendAsync(Client, HttpMethod.Post, Route, token, new CreateUserSecretRequest { Name = $"b{i}", Value = big, EnvName = $"B{i}", FilePath = $"/b{i}" });
            Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        }

        using var response = await SendAsync(Client, HttpMethod.Post, Route, token, new CreateUserSecretRequest { Name = "b3", Value = big, EnvName = "B3", FilePath = "/b3" });
        var problem = await ProblemAsync(response);
        Assert.Equal((HttpStatusCode.BadRequest, ProblemCodes.SecretPayloadTooLarge), (response.StatusCode, problem.Code));
        Assert.Equal(["value"], problem.Errors!.Keys);
        Assert.Equal(3, await CountAsync(await UserIdAsync(token)));
        // Growing an existing one past the budget is refused too.
        using var grow = await SendAsync(Client, HttpMethod.Patch, $"{Route}/b0", token, new UpdateUserSecretRequest { EnvName = "B0" });
        Assert.Equal(HttpStatusCode.OK, grow.StatusCode);
    }

    [Fact]
    public async Task Values_are_stored_only_encrypted_with_their_key_id_and_a_rotation_re_encrypts_them()
    {
        var token = await NewUserAsync();
        var userId = await UserIdAsync(token);
        using var _ = await SendAsync(Client, HttpMethod.Post, Route, token, new CreateUserSecretRequest { Name = "r", Value = "rotation-canary", EnvName = "R" });
        var keys = fixture.Service<SecretsKeyRing>();
        var (envelope, keyId) = await StoredAsync(userId);
        Assert.Equal(keys.Current.Id, keyId);
        Assert.Equal(keys.Current.Id, SecretProtector.KeyIdOf(envelope));
        Assert.DoesNotContain("rotation-canary", System.Text.Encoding.Latin1.GetString(envelope), StringComparison.Ordinal);

        var next = new SecretProtector(new SecretsKeyRing(SecretsKey.Generate(), [keys.Current]));
        await using var dataSource = NpgsqlDataSource.Create(fixture.ConnectionString);
        var counts = await SecretsKeyRotation.ReencryptAsync(dataSource, next, CancellationToken.None).WithTimeout();
        Assert.True(counts.Secrets >= 1);
        var (rotated, rotatedKey) = await StoredAsync(userId);
        Assert.Equal(next.Keys.Current.Id, rotatedKey);
        var purpose = await SecretPurposeAsync(userId);
        Assert.Equal("rotation-canary", next.UnprotectString(rotated, purpose));
        // Rotated back, so the fixture's server (which has only its own key) still reads every row.
        await SecretsKeyRotation.ReencryptAsync(dataSource, new SecretProtector(new SecretsKeyRing(keys.Current, [next.Keys.Current])), CancellationToken.None).WithTimeout();
    }

    [Fact]
    public async Task Every_secrets_endpoint_needs_a_user_token()
    {
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Post })
        {
            using var response = await SendAsync(Client, method, Route, null, method == HttpMethod.Post ? new CreateUserSecretRequest { Name = "n", Value = "v" } : null);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using var patch = await SendAsync(Client, HttpMethod.Patch, $"{Route}/n", null, new UpdateUserSecretRequest { Value = "v" });
        using var delete = await SendAsync(Client, HttpMethod.Delete, $"{Route}/n", null);
        Assert.Equal(HttpStatusCode.Unauthorized, patch.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, delete.StatusCode);
    }

    private async Task<string> NewUserAsync()
    {
        var owner = await LoginAsync(Client);
        var suffix = Guid.NewGuid().ToString("N")[..10];
        using var created = await SendAsync(Client, HttpMethod.Post, "/api/v2/users", owner.AccessToken,
            new CreateUserRequest { Email = $"s-{suffix}@example.com", Username = $"s-{suffix}", Password = "secret-user-pw" });
        created.EnsureSuccessStatusCode();
        return (await LoginAsync(Client, $"s-{suffix}@example.com", "secret-user-pw")).AccessToken;
    }

    private async Task<Guid> UserIdAsync(string token)
    {
        using var me = await SendAsync(Client, HttpMethod.Get, "/api/v2/users/me", token);
        return (await me.Content.ReadFromJsonAsync<User>(OutpostJson.Options))!.Id;
    }

    private async Task<long> CountAsync(Guid userId) => (long)(await ScalarAsync("SELECT count(*) FROM user_secrets WHERE user_id = $1", userId))!;

    private async Task<string> SecretPurposeAsync(Guid userId) => SecretProtector.SecretPurpose((Guid)(await ScalarAsync("SELECT id FROM user_secrets WHERE user_id = $1", userId))!);

    private async Task<(byte[] Envelope, string KeyId)> StoredAsync(Guid userId)
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT value_ciphertext, value_key_id FROM user_secrets WHERE user_id = $1", connection) { Parameters = { new() { Value = userId } } };
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetFieldValue<byte[]>(0), reader.GetString(1));
    }

    private async Task<object?> ScalarAsync(string sql, Guid userId)
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = userId } } };
        return await command.ExecuteScalarAsync();
    }
}
