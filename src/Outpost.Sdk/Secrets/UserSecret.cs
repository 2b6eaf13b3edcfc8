namespace Outpost.Sdk.Secrets;

/// <summary>
/// A user secret as listed: its name, bindings and metadata, never its value. The API is under
/// <c>/api/v2/users/me/secrets</c> (user token): <c>GET</c> lists, <c>POST</c> creates
/// (<see cref="CreateUserSecretRequest"/>), <c>PATCH {name}</c> updates (<see cref="UpdateUserSecretRequest"/>),
/// <c>DELETE {name}</c> deletes. Each user sees only their own; another's is 404.
/// </summary>
public sealed record UserSecret
{
    /// <summary>The secret's id.</summary>
    public required Guid Id { get; init; }

    /// <summary>Its name, unique for its owner.</summary>
    public required string Name { get; init; }

    /// <summary>What it is for.</summary>
    public string Description { get; init; } = string.Empty;

    /// <summary>The environment variable it is bound to; empty when none.</summary>
    public string EnvName { get; init; } = string.Empty;

    /// <summary>The file path it is bound to; empty when none.</summary>
    public string FilePath { get; init; } = string.Empty;

    /// <summary>When it was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When its value or metadata last changed.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>A new secret. Its value is sent once and never returned.</summary>
public sealed record CreateUserSecretRequest
{
    /// <summary>The name.</summary>
    public required string Name { get; init; }

    /// <summary>The value (at most <see cref="SecretRules.MaxValueBytes"/> bytes, no NUL).</summary>
    public required string Value { get; init; }

    /// <summary>What it is for.</summary>
    public string? Description { get; init; }

    /// <summary>The environment variable to bind it to, if any.</summary>
    public string? EnvName { get; init; }

    /// <summary>The file path to bind it to, if any (<c>~/…</c> or absolute).</summary>
    public string? FilePath { get; init; }

    /// <inheritdoc/>
    public override string ToString() => $"CreateUserSecretRequest {{ Name = {Name}, EnvName = {EnvName}, FilePath = {FilePath} }}";
}

/// <summary>Changes to a secret; a null member is left as it is, an empty binding removes it.</summary>
public sealed record UpdateUserSecretRequest
{
    /// <summary>The new value.</summary>
    public string? Value { get; init; }

    /// <summary>The new description.</summary>
    public string? Description { get; init; }

    /// <summary>The new env binding ("" to remove it).</summary>
    public string? EnvName { get; init; }

    /// <summary>The new file binding ("" to remove it).</summary>
    public string? FilePath { get; init; }

    /// <inheritdoc/>
    public override string ToString() => $"UpdateUserSecretRequest {{ EnvName = {EnvName}, FilePath = {FilePath}, Value = {(Value is null ? "unchanged" : "(set)")} }}";
}

/// <summary>
/// A secret with its value, as a start build's job carries it to the provisioner daemon (and only
/// that). <see cref="ToString"/> never prints the value.
/// </summary>
public sealed record BuildSecret
{
    /// <summary>The env binding; empty when none.</summary>
    public string EnvName { get; init; } = string.Empty;

    /// <summary>The file binding; empty when none.</summary>
    public string FilePath { get; init; } = string.Empty;

    /// <summary>The plain value.</summary>
    public required string Value { get; init; }

    /// <inheritdoc/>
    public override string ToString() => $"BuildSecret {{ EnvName = {EnvName}, FilePath = {FilePath}, Value = (redacted) }}";
}
