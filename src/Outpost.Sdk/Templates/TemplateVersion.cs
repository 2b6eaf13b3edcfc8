using Outpost.Sdk.Provisioning;

namespace Outpost.Sdk.Templates;

/// <summary>One uploaded revision of a template, with what its import job found.</summary>
public sealed record TemplateVersion
{
    /// <summary>The id.</summary>
    public required Guid Id { get; init; }

    /// <summary>The template it belongs to.</summary>
    public required Guid TemplateId { get; init; }

    /// <summary>A name unique within the template (generated when not given).</summary>
    public required string Name { get; init; }

    /// <summary>The SHA-256 of its archive.</summary>
    public required string FileHash { get; init; }

    /// <summary>The import job; its status says whether the version can be used.</summary>
    public required ProvisionerJob Job { get; init; }

    /// <summary>The template's README or description.</summary>
    public string Readme { get; init; } = string.Empty;

    /// <summary>The parameters it declares (empty until the import succeeds).</summary>
    public IReadOnlyList<TemplateVersionParameter> Parameters { get; init; } = [];

    /// <summary>The resources and agents a start build would create (empty until the import succeeds).</summary>
    public IReadOnlyList<ProvisionedResource> Resources { get; init; } = [];

    /// <summary>The presets it declares (empty until the import succeeds).</summary>
    public IReadOnlyList<TemplateVersionPreset> Presets { get; init; } = [];

    /// <summary>The SHA-256 of the Terraform modules archive made at import; null when the template uses no modules.</summary>
    public string? ModulesFileHash { get; init; }

    /// <summary>Whether this is the template's active version.</summary>
    public bool Active { get; init; }

    /// <summary>When it was uploaded.</summary>
    public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary>The body of <c>POST /api/v2/templates/{id}/versions</c>.</summary>
public sealed record CreateTemplateVersionRequest
{
    /// <summary>The hash <c>POST /api/v2/files</c> answered.</summary>
    public required string FileHash { get; init; }

    /// <summary>A name unique within the template; generated when omitted.</summary>
    public string? Name { get; init; }
}
