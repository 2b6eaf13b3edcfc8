using System.Net.Http.Headers;
using System.Net.Http.Json;
using Outpost.Sdk;
using Outpost.Sdk.Users;
using Outpost.Testing;

namespace Outpost.Server.Tests.Identity;

/// <summary>Raw HTTP calls to the identity endpoints, as any client would make them.</summary>
internal static class IdentityApi
{
    public const string OwnerEmail = "owner@example.com";
    public const string OwnerPassword = "owner-password-1";

    public static async Task<HttpResponseMessage> CreateFirstUserAsync(HttpClient client, string email = OwnerEmail, string username = "owner", string password = OwnerPassword) =>
        await client.PostAsJsonAsync("/api/v2/users/first", new CreateUserRequest { Email = email, Username = username, Password = password }, OutpostJson.Options).WithTimeout();

    public static async Task<HttpResponseMessage> LoginRawAsync(HttpClient client, string email, string password) =>
        await client.PostAsJsonAsync("/api/v2/users/login", new LoginRequest { Email = email, Password = password }, OutpostJson.Options).WithTimeout();

    public static async Task<LoginResponse> LoginAsync(HttpClient client, string email = OwnerEmail, string password = OwnerPassword)
    {
        using var response = await LoginRawAsync(client, email, password);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<LoginResponse>(OutpostJson.Options).WithTimeout())!;
    }

    public static async Task<HttpResponseMessage> RefreshRawAsync(HttpClient client, string refreshToken) =>
        await client.PostAsync(new Uri("/oauth2/token", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refreshToken,
        })).WithTimeout();

    public static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string? token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: OutpostJson.Options);
        }

        return await client.SendAsync(request).WithTimeout();
    }

    public static async Task<ApiProblem> ProblemAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<ApiProblem>(OutpostJson.Options).WithTimeout())!;

    public static async Task<OAuth2ErrorResponse> OAuthErrorAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<OAuth2ErrorResponse>(OutpostJson.Options).WithTimeout())!;
}
