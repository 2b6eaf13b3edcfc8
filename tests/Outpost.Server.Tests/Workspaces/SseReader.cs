using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Outpost.Sdk;
using Outpost.Sdk.Templates;
using Outpost.Testing;

namespace Outpost.Server.Tests.Workspaces;

/// <summary>Reads a Server-Sent Events response event by event, skipping pings.</summary>
internal sealed class SseReader : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private SseReader(HttpResponseMessage response, Stream stream)
    {
        _response = response;
        _reader = new StreamReader(stream);
    }

    /// <summary>The <c>id:</c> of the last event <see cref="NextAsync()"/> returned (SSE keeps it until a new one is sent).</summary>
    public string? LastEventId { get; private set; }

    public static async Task<SseReader> OpenAsync(HttpClient client, string path, string token, string? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WithTimeout();
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new SseReader(response, await response.Content.ReadAsStreamAsync().WithTimeout());
    }

    /// <summary>Every line of a job's log, read from its follow stream until the server ends it with the job.</summary>
    public static async Task<List<ProvisionerJobLog>> FollowJobLogAsync(HttpClient client, string path, string token)
    {
        await using var stream = await OpenAsync(client, path, token);
        var lines = new List<ProvisionerJobLog>();
        while (await stream.NextAsync() is { } next && next.Type == "message")
        {
            lines.Add(JsonSerializer.Deserialize(next.Data, OutpostJsonContext.Default.ProvisionerJobLog)!);
        }

        return lines;
    }

    /// <summary>The next event (type, data), or null when the stream ended.</summary>
    public async Task<(string Type, string Data)?> NextAsync()
    {
        string type = "message", data = string.Empty;
        var any = false;
        while (await _reader.ReadLineAsync().WithTimeout() is { } line)
        {
            if (line.Length == 0)
            {
                if (any && type != "ping")
                {
                    return (type, data);
                }

                (type, data, any) = ("message", string.Empty, false);
                continue;
            }

            any = true;
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                type = line["event: ".Length..];
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                LastEventId = line["id: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line["data: ".Length..];
            }
        }

        return null;
    }

    public async Task<T> NextAsync<T>(JsonTypeInfo<T> type)
    {
        var next = await NextAsync();
        Assert.NotNull(next);
        Assert.Equal("message", next.Value.Type);
        return JsonSerializer.Deserialize(next.Value.Data, type)!;
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}
