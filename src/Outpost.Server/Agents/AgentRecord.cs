namespace Outpost.Server.Agents;

/// <summary>An agent as its token finds it: who it is and what its manifest holds.</summary>
internal sealed record AgentRecord
{
    public required Guid Id { get; init; }

    public required string Name { get; init; }

    public required Guid BuildId { get; init; }

    public required Guid WorkspaceId { get; init; }

    public required string WorkspaceName { get; init; }

    public required string OwnerName { get; init; }

    /// <summary>The workspace owner's id (watch-all shows agent changes only to those who may see them).</summary>
    public Guid OwnerId { get; init; }

    public required bool WorkspaceDeleted { get; init; }

    public required string Directory { get; init; }

    /// <summary>The environment as rows before migration 11 stored it (plaintext JSON), until the server's start encrypts it.</summary>
    public required string? EnvironmentJson { get; init; }

    /// <summary>The environment's envelope (<see cref="Secrets.AgentEnvironments"/>); opened only for the manifest.</summary>
    public byte[]? EnvironmentCiphertext { get; init; }

    public required string ScriptsJson { get; init; }

    public required string AppsJson { get; init; }
}
