using System.Text.Json;

namespace Outpost.Server.Validation;

/// <summary>A request body that is well-formed JSON but breaks <see cref="RequestRules"/>; carries every broken field.</summary>
internal sealed class RequestRuleException(IReadOnlyDictionary<string, string[]> errors)
    : JsonException("the request breaks the field rules: " + string.Join("; ", errors.Select(e => $"{e.Key} {string.Join(", ", e.Value)}")))
{
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;
}
