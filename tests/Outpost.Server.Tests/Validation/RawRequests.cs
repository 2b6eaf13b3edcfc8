using System.Net.Http.Headers;
using System.Text;
using Outpost.Testing;

namespace Outpost.Server.Tests.Validation;

/// <summary>Requests with bodies written by hand, as a client that does not use the SDK would send them.</summary>
internal static class RawRequests
{
    private const int LargeBody = 64 * 1024;

    public static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string? token, string? json = null,
        string contentType = "application/json", IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);

            // A large body waits for "100 Continue" as curl sends one: a server that refuses it from its Content-Length
            // (413) answers before the body is written, instead of closing under a client still writing (broken pipe).
            request.Headers.ExpectContinue = json.Length > LargeBody;
        }

        return await client.SendAsync(request).WithTimeout();
    }
}
