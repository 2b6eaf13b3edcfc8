using System.Security.Cryptography;
using Outpost.Provisioner.Files;
using Outpost.Sdk.Provisioning;

namespace Outpost.Provisioner.Tests.Files;

public sealed class ChunkAssemblerTests
{
    private const int ChunkSize = 4;

    [Fact]
    public void Pieces_in_order_with_the_full_hash_reassemble_the_file()
    {
        var (header, pieces) = Split([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        var assembler = new ChunkAssembler(header, maxSize: 100);

        Assert.Equal(3, header.Chunks);
        Assert.False(assembler.Add(pieces[0]));
        Assert.False(assembler.Add(pieces[1]));
        Assert.True(assembler.Add(pieces[2]));
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], assembler.Complete());
    }

    [Fact]
    public void An_empty_file_has_no_chunks_and_is_complete_at_once()
    {
        var (header, _) = Split([]);
        var assembler = new ChunkAssembler(header, maxSize: 100);

        Assert.Equal(0, header.Chunks);
        Assert.True(assembler.Done);
        Assert.Empty(assembler.Complete());
    }

    [Fact]
    public void A_piece_carrying_another_files_hash_is_refused()
    {
        var (header, pieces) = Split([1, 2, 3, 4, 5]);
        var assembler = new ChunkAssembler(header, maxSize: 100);

        var error = Assert.Throws<FileTransferException>(() => assembler.Add(pieces[0] with { FullDataHash = new string('0', 64) }));

        Assert.Contains("this chunk is for a different data upload", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_piece_is_refused_when_the_next_one_arrives_and_at_completion()
    {
        var (header, pieces) = Split([1, 2, 3, 4, 5, 6, 7, 8, 9]);
        var assembler = new ChunkAssembler(header, maxSize: 100);
        assembler.Add(pieces[0]);

        var skipped = Assert.Throws<FileTransferException>(() => assembler.Add(pieces[2]));
        var incomplete = Assert.Throws<FileTransferException>(assembler.Complete);

        Assert.Equal("chunks ordering, expected chunk index 1, got 2", skipped.Message);
        Assert.Equal("data upload is not complete, expected 3 chunks, got 1", incomplete.Message);
    }

    [Fact]
    public void Pieces_whose_bytes_do_not_hash_to_the_announced_hash_are_refused_at_completion()
    {
        var (header, pieces) = Split([1, 2, 3, 4, 5]);
        var assembler = new ChunkAssembler(header, maxSize: 100);
        assembler.Add(pieces[0] with { Data = [9, 9, 9, 9] });
        assembler.Add(pieces[1]);

        var error = Assert.Throws<FileTransferException>(assembler.Complete);

        Assert.StartsWith("data hash mismatch", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void More_data_than_announced_a_piece_after_the_last_and_an_oversized_file_are_refused()
    {
        var (header, pieces) = Split([1, 2, 3, 4, 5]);
        var assembler = new ChunkAssembler(header, maxSize: 100);
        assembler.Add(pieces[0]);

        Assert.StartsWith("data exceeds expected size", Assert.Throws<FileTransferException>(() => assembler.Add(pieces[1] with { Data = [5, 6] })).Message, StringComparison.Ordinal);
        assembler.Add(pieces[1]);
        Assert.Equal("data upload is already complete, cannot add more chunks", Assert.Throws<FileTransferException>(() => assembler.Add(pieces[1] with { PieceIndex = 2 })).Message);
        Assert.Contains("accepts at most 4", Assert.Throws<FileTransferException>(() => new ChunkAssembler(header, maxSize: 4)).Message, StringComparison.Ordinal);
        Assert.Throws<FileTransferException>(() => new ChunkAssembler(header with { Chunks = 1 }, maxSize: 100));
    }

    private static (FileDownload Header, List<FileChunk> Pieces) Split(byte[] data)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(data));
        var header = new FileDownload { Hash = hash, Size = data.Length, ChunkSize = ChunkSize, Chunks = FileDownload.ChunkCount(data.Length, ChunkSize) };
        var pieces = Enumerable.Range(0, header.Chunks)
            .Select(index => new FileChunk { FullDataHash = hash, PieceIndex = index, Data = data.Skip(index * ChunkSize).Take(ChunkSize).ToArray() })
            .ToList();
        return (header, pieces);
    }
}
