using System.Net;
using System.Text.Json;
using Outpost.Testing;

namespace Outpost.Server.Tests.Validation;

/// <summary>A problem response read as raw JSON, so the test sees exactly the members a client gets.</summary>
internal sealed record ProblemBody(HttpStatusCode Status, string? Code, string? Field, string? Expected, string? Detail, JsonElement Root)
{
    public static async Task<ProblemBody> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync().WithTimeout();
        var root = JsonDocument.Parse(text.Length == 0 ? "{}" : text).RootElement.Clone();
        return new(response.StatusCode, Member(root, "code"), Member(root, "field"), Member(root, "expected"), Member(root, "detail"), root);
    }

    public bool HasError(string field) =>
        Root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object && errors.TryGetProperty(field, out _);

    public override string ToString() => $"{(int)Status} {Root}";

    private static string? Member(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
