using Outpost.Sdk.Templates;

namespace Outpost.Sdk.Client;

public sealed partial class OutpostApiClient
{
    /// <summary>The presets of a template's active version with their prebuild pools (docs/prebuilds.md).</summary>
    public Task<List<TemplatePreset>> ListTemplatePresetsAsync(string templateIdOrName, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"api/v2/templates/{Uri.EscapeDataString(templateIdOrName)}/presets", null, OutpostJsonContext.Default.ListTemplatePreset, cancellationToken);

    /// <summary>The presets of one template version with their prebuild pools.</summary>
    public Task<List<TemplatePreset>> ListTemplateVersionPresetsAsync(Guid versionId, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"api/v2/templateversions/{versionId}/presets", null, OutpostJsonContext.Default.ListTemplatePreset, cancellationToken);
}
