namespace Outpost.Sdk.Files;

/// <summary>The answer to <c>POST /api/v2/files</c>: the archive's content address.</summary>
public sealed record UploadResponse
{
    /// <summary>The lowercase hex SHA-256 of the uploaded bytes; pass it as <c>file_hash</c>.</summary>
    public required string Hash { get; init; }
}
