using System.Security.Cryptography;
using Outpost.Sdk.Provisioning;

namespace Outpost.Provisioner.Files;

/// <summary>A chunked transfer that cannot be accepted: a piece of another file, out of order, too much, or a wrong hash.</summary>
internal sealed class FileTransferException(string message) : Exception(message);

/// <summary>
/// Reassembles a file from its pieces (coder-spec §8 <c>DataBuilder</c>): every piece must carry the
/// file's hash and come in order; the whole must have the announced size and hash. Anything else is
/// refused with a <see cref="FileTransferException"/>.
/// </summary>
internal sealed class ChunkAssembler
{
    /// <summary>No chunk size above this is accepted from a server.</summary>
    public const int MaxChunkSize = 16 << 20;

    private readonly FileDownload _header;
    private readonly MemoryStream _data;
    private int _next;

    public ChunkAssembler(FileDownload header, long maxSize)
    {
        ArgumentNullException.ThrowIfNull(header);
        if (header.Hash.Length != 64 || !header.Hash.All(Uri.IsHexDigit))
        {
            throw new FileTransferException($"data hash must be 32 bytes (64 hex digits), got \"{header.Hash}\"");
        }

        if (header.Size < 0 || header.Size > maxSize)
        {
            throw new FileTransferException($"file {header.Hash} is {header.Size:N0} bytes; this daemon accepts at most {maxSize:N0}");
        }

        if (header.ChunkSize is < 1 or > MaxChunkSize || header.Chunks != FileDownload.ChunkCount(header.Size, header.ChunkSize))
        {
            throw new FileTransferException(
                $"file {header.Hash}: {header.Chunks} chunk(s) of {header.ChunkSize:N0} bytes cannot hold {header.Size:N0} bytes");
        }

        _header = header;
        _data = new MemoryStream((int)header.Size);
    }

    public bool Done => _next >= _header.Chunks;

    /// <summary>Adds the next piece; true once every piece has arrived.</summary>
    public bool Add(FileChunk piece)
    {
        ArgumentNullException.ThrowIfNull(piece);
        if (!string.Equals(piece.FullDataHash, _header.Hash, StringComparison.OrdinalIgnoreCase))
        {
            throw new FileTransferException("data hash does not match, this chunk is for a different data upload");
        }

        if (Done)
        {
            throw new FileTransferException("data upload is already complete, cannot add more chunks");
        }

        if (piece.PieceIndex != _next)
        {
            throw new FileTransferException($"chunks ordering, expected chunk index {_next}, got {piece.PieceIndex}");
        }

        if (_data.Length + piece.Data.Length > _header.Size)
        {
            throw new FileTransferException($"data exceeds expected size of {_header.Size:N0} bytes");
        }

        _data.Write(piece.Data);
        _next++;
        return Done;
    }

    /// <summary>The file, once every piece arrived and the whole matches the announced size and hash.</summary>
    public byte[] Complete()
    {
        if (!Done)
        {
            throw new FileTransferException($"data upload is not complete, expected {_header.Chunks} chunks, got {_next}");
        }

        if (_data.Length != _header.Size)
        {
            throw new FileTransferException($"data size mismatch: expected {_header.Size:N0} bytes, got {_data.Length:N0}");
        }

        var data = _data.ToArray();
        var hash = Convert.ToHexStringLower(SHA256.HashData(data));
        if (!string.Equals(hash, _header.Hash, StringComparison.OrdinalIgnoreCase))
        {
            throw new FileTransferException($"data hash mismatch: expected {_header.Hash}, got {hash}");
        }

        return data;
    }
}
