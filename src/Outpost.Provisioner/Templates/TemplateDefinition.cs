namespace Outpost.Provisioner.Templates;

/// <summary>A parsed and validated <c>outpost.yaml</c>. Lists keep the template's declaration order.</summary>
internal sealed record TemplateDefinition
{
    public string? Name { get; init; }

    public string? Description { get; init; }

    public required IReadOnlyList<TemplateParameter> Parameters { get; init; }

    public required IReadOnlyList<TemplateAgent> Agents { get; init; }

    /// <summary>Extra env entries in declaration order; the order matters to the merge.</summary>
    public required IReadOnlyList<TemplateExtraEnv> Env { get; init; }

    /// <summary>The presets (docs/prebuilds.md), in declaration order.</summary>
    public IReadOnlyList<Sdk.Provisioning.TemplateVersionPreset> Presets { get; init; } = [];
    /// <summary>The <c>task:</c> block: the agent that runs AI tasks and its model; null when the template cannot run tasks.</summary>
    public TemplateTask? Task { get; init; }
}
