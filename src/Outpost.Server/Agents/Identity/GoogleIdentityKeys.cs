using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace Outpost.Server.Agents.Identity;

/// <summary>
/// Google's token-signing certificates by key id, in the form Google publishes them
/// (<see cref="DefaultUrl"/>: a JSON object from kid to PEM certificate). Read once from a file, or fetched from a
/// URL and kept for the response's <c>max-age</c>; an unknown kid fetches again, at most once a minute, since
/// Google rotates its keys.
/// </summary>
internal sealed class GoogleIdentityKeys
{
    public const string DefaultUrl = "https://www.googleapis.com/oauth2/v1/certs";

    private static readonly TimeSpan RefetchFloor = TimeSpan.FromMinutes(1);

    private readonly Uri? _url;
    private readonly HttpClient? _http;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _fetching = new(1, 1);
    private Dictionary<string, X509Certificate2> _keys;
    private DateTimeOffset _fetchedAt = DateTimeOffset.MinValue;
    private DateTimeOffset _freshUntil = DateTimeOffset.MinValue;

    private GoogleIdentityKeys(Dictionary<string, X509Certificate2> keys, Uri? url, HttpClient? http, TimeProvider time)
    {
        _keys = keys;
        _url = url;
        _http = http;
        _time = time;
    }

    /// <summary>Keys read from a file now; the error names what is wrong with it.</summary>
    public static (GoogleIdentityKeys? Keys, string? Error) FromFile(string path, TimeProvider time)
    {
        try
        {
            return (new GoogleIdentityKeys(Parse(File.ReadAllText(path)), null, null, time), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or FormatException or System.Security.Cryptography.CryptographicException)
        {
            return (null, $"cannot read Google's identity certificates from {path}: {e.Message}");
        }
    }

    /// <summary>Keys fetched from <paramref name="url"/> when first needed.</summary>
    public static GoogleIdentityKeys FromUrl(Uri url, HttpClient http, TimeProvider time) => new([], url, http, time);

    public async Task<X509Certificate2?> FindAsync(string kid, CancellationToken cancellationToken)
    {
        if (_url is null)
        {
            return _keys.GetValueOrDefault(kid);
        }

        var now = _time.GetUtcNow();
        if ((now < _freshUntil && _keys.ContainsKey(kid)) || now - _fetchedAt < RefetchFloor)
        {
            return _keys.GetValueOrDefault(kid);
        }

        await _fetching.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_time.GetUtcNow() - _fetchedAt >= RefetchFloor)
            {
                _fetchedAt = _time.GetUtcNow();
                using var response = await _http!.GetAsync(_url, cancellationToken).ConfigureAwait(false);
                response.EnsureSuccessStatusCode();
                _keys = Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
                _freshUntil = _fetchedAt + (response.Headers.CacheControl is CacheControlHeaderValue { MaxAge: { } maxAge } ? maxAge : TimeSpan.FromHours(1));
            }
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or FormatException or System.Security.Cryptography.CryptographicException or TaskCanceledException
            && !cancellationToken.IsCancellationRequested)
        {
            // Keep the keys we had; the token is refused as signed with an unknown key until a fetch works.
        }
        finally
        {
            _fetching.Release();
        }

        return _keys.GetValueOrDefault(kid);
    }

    private static Dictionary<string, X509Certificate2> Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("expected a JSON object from key id to PEM certificate");
        }

        var keys = new Dictionary<string, X509Certificate2>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            keys[property.Name] = X509Certificate2.CreateFromPem(property.Value.GetString() ?? throw new FormatException($"key {property.Name} is not a PEM string"));
        }

        return keys;
    }
}
