using System.Net.Http.Json;
using Outpost.Sdk.Secrets;

namespace Outpost.Sdk.Client;

public sealed partial class OutpostApiClient
{
    private const string SecretsPath = "api/v2/users/me/secrets";

    /// <summary>The caller's secrets: names, bindings and dates, never values.</summary>
    public Task<List<UserSecret>> ListSecretsAsync(CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, SecretsPath, null, OutpostJsonContext.Default.ListUserSecret, cancellationToken);

    /// <summary>Creates a secret; the answer never holds its value.</summary>
    public Task<UserSecret> CreateSecretAsync(CreateUserSecretRequest request, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, SecretsPath, JsonContent.Create(request, OutpostJsonContext.Default.CreateUserSecretRequest), OutpostJsonContext.Default.UserSecret, cancellationToken);

    /// <summary>Changes a secret's value, description or bindings.</summary>
    public Task<UserSecret> UpdateSecretAsync(string name, UpdateUserSecretRequest request, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Patch, $"{SecretsPath}/{Uri.EscapeDataString(name)}", JsonContent.Create(request, OutpostJsonContext.Default.UpdateUserSecretRequest), OutpostJsonContext.Default.UserSecret, cancellationToken);

    /// <summary>Deletes one of the caller's secrets.</summary>
    public Task DeleteSecretAsync(string name, CancellationToken cancellationToken) =>
        DeleteAsync($"{SecretsPath}/{Uri.EscapeDataString(name)}", cancellationToken);
}
