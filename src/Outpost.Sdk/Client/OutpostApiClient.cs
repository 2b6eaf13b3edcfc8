using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Outpost.Sdk.Deployment;
using Outpost.Sdk.Users;

namespace Outpost.Sdk.Client;

/// <summary>
/// The typed HTTP client of the Outpost API. Authentication is the caller's: pass an
/// <see cref="HttpClient"/> whose handlers add the bearer token (see <see cref="BearerTokenHandler"/>).
/// Error answers become <see cref="OutpostApiException"/> with the server's explanation.
/// </summary>
public sealed partial class OutpostApiClient
{
    private readonly HttpClient _http;

    /// <summary>Creates a client over <paramref name="http"/>, whose <see cref="HttpClient.BaseAddress"/> is the deployment URL.</summary>
    public OutpostApiClient(HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.BaseAddress is null)
        {
            throw new ArgumentException("The HttpClient needs a BaseAddress (the deployment URL).", nameof(http));
        }

        _http = http;
    }

    /// <summary>The deployment URL.</summary>
    public Uri BaseAddress => _http.BaseAddress!;

    /// <summary>The server's version, commit and deployment id.</summary>
    public Task<BuildInfoResponse> GetBuildInfoAsync(CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, "api/v2/buildinfo", null, OutpostJsonContext.Default.BuildInfoResponse, cancellationToken);

    /// <summary>False while the deployment has no users (the first user may then be created).</summary>
    public async Task<bool> HasFirstUserAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri("api/v2/users/first", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Creates the first user, who becomes the owner.</summary>
    public Task<User> CreateFirstUserAsync(CreateUserRequest request, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, "api/v2/users/first", JsonContent.Create(request, OutpostJsonContext.Default.CreateUserRequest), OutpostJsonContext.Default.User, cancellationToken);

    /// <summary>Creates a user (owners and admins).</summary>
    public Task<User> CreateUserAsync(CreateUserRequest request, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, "api/v2/users", JsonContent.Create(request, OutpostJsonContext.Default.CreateUserRequest), OutpostJsonContext.Default.User, cancellationToken);

    /// <summary>Password login.</summary>
    public Task<LoginResponse> LoginAsync(LoginRequest request, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, "api/v2/users/login", JsonContent.Create(request, OutpostJsonContext.Default.LoginRequest), OutpostJsonContext.Default.LoginResponse, cancellationToken);

    /// <summary>Exchanges a refresh token at the OAuth 2.0 token endpoint; refusals are <see cref="OutpostOAuthException"/>.</summary>
    public async Task<OAuth2TokenResponse> RefreshAsync(string refreshToken, CancellationToken cancellationToken)
    {
        using var content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refreshToken,
        });
        using var response = await _http.PostAsync(new Uri("oauth2/token", UriKind.Relative), content, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            OAuth2ErrorResponse? error = null;
            try
            {
                error = await response.Content.ReadFromJsonAsync(OutpostJsonContext.Default.OAuth2ErrorResponse, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException)
            {
                // Not an OAuth answer (a proxy error page, say); reported by status below.
            }

            throw error is { Error.Length: > 0 }
                ? new OutpostOAuthException((int)response.StatusCode, error.Error, error.ErrorDescription)
                : new OutpostApiException((int)response.StatusCode, $"the token endpoint answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        return (await response.Content.ReadFromJsonAsync(OutpostJsonContext.Default.OAuth2TokenResponse, cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Ends the session of the current access token.</summary>
    public async Task LogoutAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsync(new Uri("api/v2/users/logout", UriKind.Relative), null, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The signed-in user.</summary>
    public Task<User> GetMeAsync(CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, "api/v2/users/me", null, OutpostJsonContext.Default.User, cancellationToken);

    /// <summary>Creates an API token; the answer holds its secret, shown only once.</summary>
    public Task<CreateTokenResponse> CreateTokenAsync(CreateTokenRequest request, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, "api/v2/users/me/keys/tokens", JsonContent.Create(request, OutpostJsonContext.Default.CreateTokenRequest), OutpostJsonContext.Default.CreateTokenResponse, cancellationToken);

    /// <summary>The caller's live API tokens.</summary>
    public Task<List<ApiToken>> ListTokensAsync(CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, "api/v2/users/me/keys/tokens", null, OutpostJsonContext.Default.ListApiToken, cancellationToken);

    /// <summary>Revokes one of the caller's API tokens by id or name.</summary>
    public Task RevokeTokenAsync(string idOrName, CancellationToken cancellationToken) =>
        DeleteAsync($"api/v2/users/me/keys/tokens/{Uri.EscapeDataString(idOrName)}", cancellationToken);

    private async Task DeleteAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await _http.DeleteAsync(new Uri(path, UriKind.Relative), cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = content };
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return (await response.Content.ReadFromJsonAsync(type, cancellationToken).ConfigureAwait(false))
            ?? throw new OutpostApiException((int)response.StatusCode, "the server sent an empty answer");
    }

    /// <summary>Throws <see cref="OutpostApiException"/> with the problem details of an error answer.</summary>
    public static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        ApiProblem? problem = null;
        if (response.Content.Headers.ContentType?.MediaType is "application/problem+json" or "application/json")
        {
            try
            {
                problem = await response.Content.ReadFromJsonAsync(OutpostJsonContext.Default.ApiProblem, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException)
            {
                // Fall back to the status line below.
            }
        }

        var message = problem?.Detail ?? problem?.Title ?? $"the server answered {(int)response.StatusCode} {response.ReasonPhrase}";
        if (problem?.Errors is { Count: > 0 } errors)
        {
            // A person can act on the fields; the summary alone ("the user is not valid") says nothing.
            message += ": " + string.Join("; ", errors.Select(e => $"{e.Key.TrimStart('$', '.')} {string.Join(", ", e.Value)}"));
        }

        throw new OutpostApiException((int)response.StatusCode, message, problem);
    }
}
