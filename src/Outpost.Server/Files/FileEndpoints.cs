using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Outpost.Provisioner.Templates;
using Outpost.Sdk;
using Outpost.Sdk.Files;
using Outpost.Server.Hosting;
using Outpost.Server.Http;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Identity.Authorization;

namespace Outpost.Server.Files;

/// <summary><c>POST /api/v2/files</c>: template archives, stored once per SHA-256.</summary>
internal static class FileEndpoints
{
    public static IEndpointRouteBuilder MapFileEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/v2/files", static async Task<Results<Created<UploadResponse>, Ok<UploadResponse>, ProblemHttpResult>> (
            HttpContext http, FileStore files, ServerOptions options, CancellationToken cancellationToken) =>
        {
            var limit = options.Provisioning.MaxFileBytes;
            if (await ReadBodyAsync(http, limit, cancellationToken).ConfigureAwait(false) is not { } data)
            {
                return Problems.TooLarge($"the archive is larger than the limit of {limit:N0} bytes; remove build outputs and large files from the template directory");
            }

            // Refuse what no import could use, before anything is stored.
            if (TemplateArchive.CheckUpload(data, limit) is { } refused)
            {
                return Problems.BadRequest($"the upload is not a usable template archive: {refused}", ProblemCodes.InvalidArchive);
            }

            var hash = Convert.ToHexStringLower(SHA256.HashData(data));
            var inserted = await files.InsertAsync(hash, data, http.User.GetUserId(), cancellationToken).ConfigureAwait(false);
            var response = new UploadResponse { Hash = hash };
            return inserted ? TypedResults.Created($"/api/v2/files/{hash}", response) : TypedResults.Ok(response);
        }).WithTags("Files").WithName("UploadFile")
          .WithSummary("Stores a tar archive (Content-Type application/x-tar) by its SHA-256; uploading the same bytes again is a no-op.")
          .RequirePermission(ResourceType.File, PermissionAction.Create);
        return routes;
    }

    /// <summary>The request body, or null when it is larger than <paramref name="limit"/> (said by Content-Length or found reading).</summary>
    internal static async Task<byte[]?> ReadBodyAsync(HttpContext http, long limit, CancellationToken cancellationToken)
    {
        if (http.Request.ContentLength > limit)
        {
            return null;
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = limit + 1;
        }

        return await ReadUpToAsync(http.Request.Body, limit, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<byte[]?> ReadUpToAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        try
        {
            while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > limit)
                {
                    return null;
                }
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }

        return buffer.ToArray();
    }
}
