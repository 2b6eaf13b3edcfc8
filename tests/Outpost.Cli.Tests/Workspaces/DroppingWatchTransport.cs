using Outpost.Testing;

namespace Outpost.Cli.Tests.Workspaces;

/// <summary>
/// Passes requests through, but lets a test cut the open watch streams: a read of a cut stream fails
/// with <see cref="IOException"/>, the way a dropped connection does.
/// </summary>
internal sealed class DroppingWatchTransport(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private readonly List<CuttableStream> _open = [];

    public int WatchRequests { get; private set; }

    /// <summary>Released once per watch whose response headers arrived: the server has subscribed by then.</summary>
    public SemaphoreSlim WatchesOpened { get; } = new(0);

    /// <summary>When true, clients that dispose this handler leave it (and its inner handler) usable: one instance serves every client of several runs.</summary>
    public bool Shared { get; init; }

    /// <summary>Cuts every watch stream opened so far.</summary>
    public void Drop()
    {
        lock (_open)
        {
            foreach (var stream in _open)
            {
                stream.Cut();
            }

            _open.Clear();
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (request.RequestUri?.AbsolutePath.EndsWith("/watch", StringComparison.Ordinal) != true || !response.IsSuccessStatusCode)
        {
            return response;
        }

        WatchRequests++;
        var cuttable = new CuttableStream(await response.Content.ReadAsStreamAsync(cancellationToken));
        lock (_open)
        {
            _open.Add(cuttable);
        }

        var content = new StreamContent(cuttable);
        foreach (var header in response.Content.Headers)
        {
            content.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        response.Content = content;
        WatchesOpened.Release();
        return response;
    }

    protected override void Dispose(bool disposing)
    {
        if (!Shared)
        {
            base.Dispose(disposing);
        }
    }

    private sealed class CuttableStream(Stream inner) : ReadOnlyStreamWrapper(inner)
    {
        private readonly TaskCompletionSource _cut = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Cut() => _cut.TrySetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_cut.Task.IsCompleted)
            {
                throw new IOException("the connection was reset (test)");
            }

            var read = Inner.ReadAsync(buffer, cancellationToken).AsTask();
            if (await Task.WhenAny(read, _cut.Task) == read)
            {
                return await read;
            }

            throw new IOException("the connection was reset (test)");
        }
    }
}
