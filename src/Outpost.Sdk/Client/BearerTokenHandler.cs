using System.Net.Http.Headers;

namespace Outpost.Sdk.Client;

/// <summary>Adds <c>Authorization: Bearer</c> with the current token to every request that has none.</summary>
public sealed class BearerTokenHandler : DelegatingHandler
{
    private readonly Func<string?> _token;

    /// <summary>Reads the token from <paramref name="token"/> at send time, so rotation needs no new client.</summary>
    public BearerTokenHandler(Func<string?> token, HttpMessageHandler? inner = null)
        : base(inner ?? new SocketsHttpHandler())
    {
        ArgumentNullException.ThrowIfNull(token);
        _token = token;
    }

    /// <inheritdoc/>
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Headers.Authorization is null && _token() is { Length: > 0 } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
