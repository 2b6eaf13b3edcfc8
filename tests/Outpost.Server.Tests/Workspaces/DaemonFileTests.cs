using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Npgsql;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Testing;

namespace Outpost.Server.Tests.Workspaces;

/// <summary>Daemons fetch stored files by hash in 2 MiB chunks, each carrying the whole file's hash (coder-spec §8).</summary>
public sealed class DaemonFileTests(WorkspaceServerFixture fixture) : IClassFixture<WorkspaceServerFixture>
{
    private TestDaemon Daemon => new(fixture.Client, fixture.DaemonKey);

    [Fact]
    public async Task A_file_larger_than_a_chunk_is_served_in_order_in_pieces_that_reassemble_it()
    {
        var data = RandomNumberGenerator.GetBytes(FileDownload.DefaultChunkSize * 2 + 12345);
        var hash = Convert.ToHexStringLower(SHA256.HashData(data));
        await using (var connection = new NpgsqlConnection(fixture.ConnectionString))
        {
            await connection.OpenAsync().WithTimeout();
            await using var insert = new NpgsqlCommand(
                "INSERT INTO files (hash, data, created_by, created_at) SELECT $1, $2, id, now() FROM users LIMIT 1 ON CONFLICT DO NOTHING", connection);
            insert.Parameters.Add(new NpgsqlParameter { Value = hash });
            insert.Parameters.Add(new NpgsqlParameter { Value = data });
            await insert.ExecuteNonQueryAsync().WithTimeout();
        }

        using var header = await Daemon.GetAsync($"/files/{hash}");
        var download = (await header.Content.ReadFromJsonAsync<FileDownload>(OutpostJson.Options).WithTimeout())!;
        var downloaded = await Daemon.DownloadAsync(hash);
        using var beyond = await Daemon.GetAsync($"/files/{hash}/chunks/3");

        Assert.Equal((data.Length, FileDownload.DefaultChunkSize, 3), (download.Size, download.ChunkSize, download.Chunks));
        Assert.Equal(data, downloaded);
        Assert.Equal(HttpStatusCode.NotFound, beyond.StatusCode);
    }

    [Fact]
    public async Task Unknown_files_malformed_hashes_and_callers_without_a_provisioner_key_are_refused()
    {
        using var unknown = await Daemon.GetAsync($"/files/{new string('a', 64)}");
        using var malformed = await Daemon.GetAsync("/files/not-a-hash");
        using var negative = await Daemon.GetAsync($"/files/{new string('a', 64)}/chunks/-1");
        using var anonymous = await fixture.Client.GetAsync($"{ProvisionerDaemonApi.Prefix}/files/{new string('a', 64)}").WithTimeout();

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, negative.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }
}
