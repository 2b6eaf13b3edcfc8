namespace Outpost.Sdk.Templates;

/// <summary>A template: a named line of versions, one of them active.</summary>
public sealed record Template
{
    /// <summary>The id.</summary>
    public required Guid Id { get; init; }

    /// <summary>The name, unique in the deployment.</summary>
    public required string Name { get; init; }

    /// <summary>What it is for.</summary>
    public string Description { get; init; } = string.Empty;

    /// <summary>The provisioner its versions run on: <c>local</c> or <c>terraform</c>.</summary>
    public required string Provisioner { get; init; }

    /// <summary>The version new workspaces are built from; null until one is activated.</summary>
    public Guid? ActiveVersionId { get; init; }

    /// <summary>When it was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it last changed.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>The body of <c>POST /api/v2/templates</c>.</summary>
public sealed record CreateTemplateRequest
{
    /// <summary>The name: 1–64 characters, lowercase letters, digits and single hyphens.</summary>
    public required string Name { get; init; }

    /// <summary>What it is for.</summary>
    public string Description { get; init; } = string.Empty;

    /// <summary><c>local</c> (the default) or <c>terraform</c>.</summary>
    public string Provisioner { get; init; } = "local";
}

/// <summary>The body of <c>PATCH /api/v2/templates/{id}</c>; null members are left as they are.</summary>
public sealed record UpdateTemplateRequest
{
    /// <summary>The version to activate; it must belong to the template and have imported successfully.</summary>
    public Guid? ActiveVersionId { get; init; }

    /// <summary>A new description.</summary>
    public string? Description { get; init; }
}
