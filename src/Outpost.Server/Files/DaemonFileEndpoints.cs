using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Outpost.Provisioner.Templates;
using Outpost.Sdk;
using Outpost.Sdk.Files;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Hosting;
using Outpost.Server.Http;

namespace Outpost.Server.Files;

/// <summary>
/// Stored files for provisioner daemons, by hash and in chunks (coder-spec §8): <c>GET files/{hash}</c>
/// answers the header, <c>GET files/{hash}/chunks/{index}</c> one piece. Mapped inside the daemon
/// route group, so only a provisioner key may call them. <c>POST files</c> stores what an import made
/// (a Terraform modules archive) the same way.
/// </summary>
internal static class DaemonFileEndpoints
{
    public static RouteGroupBuilder MapDaemonFileEndpoints(this RouteGroupBuilder daemon)
    {
        daemon.MapGet("/files/{hash}", static async Task<Results<Ok<FileDownload>, ProblemHttpResult>> (
            string hash, FileStore files, CancellationToken cancellationToken) =>
        {
            if (!IsHash(hash))
            {
                return Problems.BadRequest("hash must be the 64 lowercase hex digits of a SHA-256");
            }

            if (await files.GetLengthAsync(hash, cancellationToken).ConfigureAwait(false) is not { } length)
            {
                return Problems.NotFound($"there is no file {hash}");
            }

            return TypedResults.Ok(new FileDownload
            {
                Hash = hash,
                Size = length,
                ChunkSize = FileDownload.DefaultChunkSize,
                Chunks = FileDownload.ChunkCount(length, FileDownload.DefaultChunkSize),
            });
        }).WithName("GetDaemonFile").WithSummary("The header of a stored file: its size and how many 2 MiB chunks it is sent in.");

        daemon.MapGet("/files/{hash}/chunks/{index:int}", static async Task<Results<Ok<FileChunk>, ProblemHttpResult>> (
            string hash, int index, FileStore files, CancellationToken cancellationToken) =>
        {
            if (!IsHash(hash))
            {
                return Problems.BadRequest("hash must be the 64 lowercase hex digits of a SHA-256");
            }

            if (index < 0)
            {
                return Problems.BadRequest("index must not be negative");
            }

            var chunk = await files.ReadChunkAsync(hash, (long)index * FileDownload.DefaultChunkSize, FileDownload.DefaultChunkSize, cancellationToken).ConfigureAwait(false);
            if (chunk is null)
            {
                return Problems.NotFound($"there is no file {hash}");
            }

            var chunks = FileDownload.ChunkCount(chunk.FileLength, FileDownload.DefaultChunkSize);
            if (index >= chunks)
            {
                return Problems.NotFound($"file {hash} has {chunks} chunk(s); there is no chunk {index}");
            }

            return TypedResults.Ok(new FileChunk { FullDataHash = hash, PieceIndex = index, Data = chunk.Data });
        }).WithName("GetDaemonFileChunk").WithSummary("One 2 MiB piece of a stored file, carrying the whole file's hash.");

        daemon.MapPost("/files", static async Task<Results<Created<UploadResponse>, Ok<UploadResponse>, ProblemHttpResult>> (
            HttpContext http, FileStore files, ServerOptions options, CancellationToken cancellationToken) =>
        {
            var limit = options.Provisioning.MaxFileBytes;
            if (await FileEndpoints.ReadBodyAsync(http, limit, cancellationToken).ConfigureAwait(false) is not { } data)
            {
                return Problems.TooLarge($"the file is larger than the limit of {limit:N0} bytes");
            }

            // Only what a build can unpack: a tar archive within the limits (coder-spec §8 accepts module files only).
            if (TemplateArchive.CheckArchive(data, limit) is { } refused)
            {
                return Problems.BadRequest($"the upload is not a usable archive: {refused}", ProblemCodes.InvalidArchive);
            }

            // A daemon has no user: created_by stays null, as upstream's uploads by provisioner daemons.
            var hash = Convert.ToHexStringLower(SHA256.HashData(data));
            var response = new UploadResponse { Hash = hash };
            return await files.InsertAsync(hash, data, createdBy: null, cancellationToken).ConfigureAwait(false)
                ? TypedResults.Created($"{ProvisionerDaemonApi.Prefix}/files/{hash}", response)
                : TypedResults.Ok(response);
        }).WithName("UploadDaemonFile")
          .WithSummary("Stores a tar archive an import made (a Terraform modules archive) by its SHA-256; storing the same bytes again is a no-op.");

        return daemon;
    }

    private static bool IsHash(string hash) => hash.Length == 64 && hash.All(static c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));
}
