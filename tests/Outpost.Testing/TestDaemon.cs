using System.Net;
using System.Net.Http.Json;
using Outpost.Provisioner.Templates;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;

namespace Outpost.Testing;

/// <summary>
/// Plays a provisioner daemon through the real daemon endpoints (acquire, update, complete, fail):
/// a test of the server's side of the contract, not a stand-in for it.
/// </summary>
internal sealed class TestDaemon(HttpClient client, string key, string name = "test-daemon")
{
    public async Task<HttpResponseMessage> PostAsync(string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, ProvisionerDaemonApi.Prefix + path)
        {
            Content = JsonContent.Create(body, body.GetType(), options: OutpostJson.Options),
        };
        request.Headers.Add(ProvisionerDaemonApi.KeyHeader, key);
        return await client.SendAsync(request).WithTimeout();
    }

    public async Task<HttpResponseMessage> GetAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, ProvisionerDaemonApi.Prefix + path);
        request.Headers.Add(ProvisionerDaemonApi.KeyHeader, key);
        return await client.SendAsync(request).WithTimeout();
    }

    /// <summary>Downloads a stored file through the chunk endpoints, checking every piece's hash and order.</summary>
    public async Task<byte[]> DownloadAsync(string hash)
    {
        using var header = await GetAsync($"/files/{hash}");
        Assert.Equal(HttpStatusCode.OK, header.StatusCode);
        var download = (await header.Content.ReadFromJsonAsync<FileDownload>(OutpostJson.Options).WithTimeout())!;
        using var data = new MemoryStream();
        for (var index = 0; index < download.Chunks; index++)
        {
            using var response = await GetAsync($"/files/{hash}/chunks/{index}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var chunk = (await response.Content.ReadFromJsonAsync<FileChunk>(OutpostJson.Options).WithTimeout())!;
            Assert.Equal((hash, index), (chunk.FullDataHash, chunk.PieceIndex));
            data.Write(chunk.Data);
        }

        Assert.Equal(download.Size, data.Length);
        Assert.Equal(hash, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data.ToArray())));
        return data.ToArray();
    }

    /// <summary>One acquire; null on 204.</summary>
    public async Task<AcquiredJob?> TryAcquireAsync(int waitSeconds = 1, string provisioner = "local")
    {
        using var response = await PostAsync("/acquire", new AcquireJobRequest { DaemonName = name, Provisioners = [provisioner], WaitSeconds = waitSeconds });
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return null;
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<AcquiredJob>(OutpostJson.Options).WithTimeout();
    }

    /// <summary>Acquires until it gets <paramref name="jobId"/>, failing jobs earlier tests of the class left queued.</summary>
    public async Task<AcquiredJob> AcquireAsync(Guid jobId)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var job = await TryAcquireAsync(5);
            if (job?.JobId == jobId)
            {
                return job;
            }

            if (job is not null)
            {
                (await FailAsync(job.JobId, "left over by an earlier test")).Dispose();
            }
        }

        throw new InvalidOperationException($"Job {jobId} was never handed out.");
    }

    /// <summary>Fails every job still queued, so a test starts from an empty queue.</summary>
    public async Task DrainAsync()
    {
        while (await TryAcquireAsync(1) is { } job)
        {
            (await FailAsync(job.JobId, "left over by an earlier test")).Dispose();
        }
    }

    public async Task<UpdateJobResponse> UpdateAsync(Guid jobId, params string[] lines)
    {
        using var response = await PostAsync($"/jobs/{jobId}/update", new UpdateJobRequest
        {
            Logs = [.. lines.Select(line => new ProvisionerLogLine { CreatedAt = DateTimeOffset.UtcNow, Output = line, Stage = "Testing" })],
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<UpdateJobResponse>(OutpostJson.Options).WithTimeout())!;
    }

    public Task<HttpResponseMessage> FailAsync(Guid jobId, string error, string? code = null) =>
        PostAsync($"/jobs/{jobId}/fail", new FailJobRequest { Error = error, ErrorCode = code });

    public Task<HttpResponseMessage> CompleteRawAsync(Guid jobId, CompleteJobRequest request) => PostAsync($"/jobs/{jobId}/complete", request);

    /// <summary>Imports the way a daemon does: parse the archive, report parameters and agents, or fail with the parse errors.</summary>
    public async Task CompleteImportAsync(AcquiredJob job)
    {
        var result = TemplateImporter.Import(new MemoryStream(await DownloadAsync(job.TemplateFileHash)), ArchiveLimits.Default);
        HttpResponseMessage response;
        if (!result.Succeeded)
        {
            (await UpdateAsync(job.JobId, [.. result.Errors.Select(e => e.ToString())])).GetType();
            response = await FailAsync(job.JobId, string.Join("; ", result.Errors), "template_invalid");
        }
        else
        {
            response = await CompleteRawAsync(job.JobId, new CompleteJobRequest { TemplateImport = ImportResult(result.Definition!) });
        }

        using (response)
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }
    }

    public async Task CompleteBuildAsync(AcquiredJob job, byte[] state, params ProvisionedResource[] resources)
    {
        using var response = await CompleteRawAsync(job.JobId, new CompleteJobRequest { WorkspaceBuild = new WorkspaceBuildResult { Resources = resources, State = state } });
        Assert.True(response.StatusCode == HttpStatusCode.NoContent, await response.Content.ReadAsStringAsync());
    }

    public static TemplateImportResult ImportResult(TemplateDefinition definition) => new()
    {
        Readme = definition.Description,
        Presets = definition.Presets,
        Parameters = [.. definition.Parameters.Select(p => new TemplateVersionParameter
        {
            Name = p.Name,
            Type = p.Type,
            DefaultValue = p.Default,
            Description = p.Description ?? string.Empty,
            Options = p.Options,
            Mutable = p.Mutable,
        })],
        Resources =
        [
            new ProvisionedResource
            {
                Name = "workspace",
                Type = "local_workspace_directory",
                Agents = [.. definition.Agents.Select(a => new ProvisionedAgent { Name = a.Name, Env = a.Env })],
            },
            // As the local provisioner reports a template's task block (docs/tasks.md).
            .. definition.Task is null ? Array.Empty<ProvisionedResource>() : [new ProvisionedResource { Name = "task", Type = "outpost_ai_task" }],
        ],
    };
}
