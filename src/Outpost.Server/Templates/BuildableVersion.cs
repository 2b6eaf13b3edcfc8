using Outpost.Sdk.Provisioning;

namespace Outpost.Server.Templates;

/// <summary>What a build needs to know about the template version it builds (<see cref="TemplateStore.GetBuildableVersionAsync"/>).</summary>
internal sealed record BuildableVersion(
    Guid Id, string Name, Guid TemplateId, string TemplateName, string Provisioner, string FileHash,
    ProvisionerJobStatus ImportStatus, IReadOnlyList<TemplateVersionParameter> Parameters)
{
    /// <summary>The presets the version declares.</summary>
    public IReadOnlyList<TemplateVersionPreset> Presets { get; init; } = [];
}
