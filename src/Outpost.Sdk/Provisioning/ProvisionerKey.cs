namespace Outpost.Sdk.Provisioning;

/// <summary>A provisioner key as listed (never its secret).</summary>
public sealed record ProvisionerKey
{
    /// <summary>The key's id (the part before the hyphen).</summary>
    public required string Id { get; init; }

    /// <summary>Its name, unique in the deployment.</summary>
    public required string Name { get; init; }

    /// <summary>When it was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary>The body of <c>POST /api/v2/provisionerkeys</c>.</summary>
public sealed record CreateProvisionerKeyRequest
{
    /// <summary>1–64 characters, unique in the deployment.</summary>
    public required string Name { get; init; }
}

/// <summary>A new key; <see cref="Key"/> is shown only in this answer.</summary>
public sealed record CreateProvisionerKeyResponse
{
    /// <summary>The secret key, for <c>outpost provisionerd --key</c>.</summary>
    public required string Key { get; init; }

    /// <summary>What was stored.</summary>
    public required ProvisionerKey ProvisionerKey { get; init; }
}
