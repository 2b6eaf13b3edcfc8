using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Serialization.Metadata;
using Outpost.Sdk.Provisioning;

namespace Outpost.Sdk.Client;

/// <summary>
/// The typed HTTP client of the provisioner daemon API (<see cref="ProvisionerDaemonApi"/>): acquire,
/// update, complete and fail jobs with a provisioner key. Error answers become
/// <see cref="OutpostApiException"/>; a request the server does not answer in time becomes
/// <see cref="TimeoutException"/>; an unreachable server is the <see cref="HttpRequestException"/>
/// of the transport.
/// </summary>
/// <remarks>
/// The client applies its own per-request timeouts (an acquire may legitimately take as long as its
/// long-poll), so the <see cref="HttpClient"/> passed in should have an infinite
/// <see cref="HttpClient.Timeout"/>, as <see cref="Create"/> gives.
/// </remarks>
public sealed class ProvisionerDaemonClient : IProvisionerDaemonClient, IDisposable
{
    /// <summary>How much longer than its long-poll an acquire may take before the client gives up.</summary>
    public static readonly TimeSpan AcquireSlack = TimeSpan.FromSeconds(15);

    /// <summary>How long an update, complete or fail may take.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private readonly HttpClient _http;
    private readonly string _key;
    private readonly bool _ownsHttp;

    /// <summary>Creates a client over <paramref name="http"/>, whose <see cref="HttpClient.BaseAddress"/> is the deployment URL.</summary>
    public ProvisionerDaemonClient(HttpClient http, string key)
        : this(http, key, ownsHttp: false)
    {
    }

    private ProvisionerDaemonClient(HttpClient http, string key, bool ownsHttp)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        if (http.BaseAddress is null)
        {
            throw new ArgumentException("The HttpClient needs a BaseAddress (the deployment URL).", nameof(http));
        }

        _http = http;
        _key = key;
        _ownsHttp = ownsHttp;
    }

    /// <summary>The deployment URL.</summary>
    public Uri BaseAddress => _http.BaseAddress!;

    /// <summary>Creates a client that owns its <see cref="HttpClient"/> (disposed with the client).</summary>
    public static ProvisionerDaemonClient Create(Uri serverUrl, string key, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(serverUrl);
        var http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = serverUrl,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        return new ProvisionerDaemonClient(http, key, ownsHttp: true);
    }

    /// <summary>Asks for a job, waiting up to <see cref="AcquireJobRequest.WaitSeconds"/>; null when none arrived in time.</summary>
    public async Task<AcquiredJob?> AcquireAsync(AcquireJobRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var timeout = TimeSpan.FromSeconds(Math.Max(request.WaitSeconds, 0)) + AcquireSlack;
        using var response = await SendAsync("acquire", JsonContent.Create(request, Wire<AcquireJobRequest>()), timeout, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return null;
        }

        return await response.Content.ReadFromJsonAsync(Wire<AcquiredJob>(), cancellationToken).ConfigureAwait(false)
            ?? throw new OutpostApiException((int)response.StatusCode, "the server sent an empty job");
    }

    /// <summary>Sends a heartbeat with new log lines; the answer says whether the job was canceled.</summary>
    public async Task<UpdateJobResponse> UpdateJobAsync(Guid jobId, UpdateJobRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var response = await SendAsync(JobPath(jobId, "update"), JsonContent.Create(request, Wire<UpdateJobRequest>()), RequestTimeout, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync(Wire<UpdateJobResponse>(), cancellationToken).ConfigureAwait(false)
            ?? throw new OutpostApiException((int)response.StatusCode, "the server sent an empty answer");
    }

    /// <summary>
    /// Completes a job successfully with what it produced; returns the next job when the request
    /// asked for one (<see cref="CompleteJobRequest.AcquireNext"/>) and one was queued, else null.
    /// </summary>
    public async Task<AcquiredJob?> CompleteJobAsync(Guid jobId, CompleteJobRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var response = await SendAsync(JobPath(jobId, "complete"), JsonContent.Create(request, Wire<CompleteJobRequest>()), RequestTimeout, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return null;
        }

        var answer = await response.Content.ReadFromJsonAsync(Wire<CompleteJobResponse>(), cancellationToken).ConfigureAwait(false);
        return answer?.NextJob;
    }

    /// <summary>Fails a job with the reason a user will read.</summary>
    public async Task FailJobAsync(Guid jobId, FailJobRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var response = await SendAsync(JobPath(jobId, "fail"), JsonContent.Create(request, Wire<FailJobRequest>()), RequestTimeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The header of the stored file <paramref name="hash"/> (lowercase hex SHA-256).</summary>
    public async Task<FileDownload> GetFileAsync(string hash, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hash);
        using var response = await SendAsync(FilePath(hash), content: null, RequestTimeout, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync(Wire<FileDownload>(), cancellationToken).ConfigureAwait(false)
            ?? throw new OutpostApiException((int)response.StatusCode, "the server sent an empty file header");
    }

    /// <summary>Piece <paramref name="index"/> of the stored file <paramref name="hash"/>.</summary>
    public async Task<FileChunk> GetFileChunkAsync(string hash, int index, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hash);
        using var response = await SendAsync($"{FilePath(hash)}/chunks/{index}", content: null, RequestTimeout, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync(Wire<FileChunk>(), cancellationToken).ConfigureAwait(false)
            ?? throw new OutpostApiException((int)response.StatusCode, "the server sent an empty chunk");
    }

    /// <summary>Stores a file an import made (a tar archive) by its SHA-256; answers the hash.</summary>
    public async Task<Files.UploadResponse> UploadFileAsync(byte[] tar, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tar);
        var content = new ByteArrayContent(tar);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-tar");
        // Proportional to the size: a large modules archive on a slow link must not time out at the default.
        var timeout = RequestTimeout + TimeSpan.FromSeconds(tar.Length / (1 << 20));
        using var response = await SendAsync("files", content, timeout, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync(Wire<Files.UploadResponse>(), cancellationToken).ConfigureAwait(false)
            ?? throw new OutpostApiException((int)response.StatusCode, "the server sent an empty answer");
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    /// <summary>
    /// Metadata from <see cref="OutpostJson.Options"/>, not straight from the context: only those
    /// options carry the snake_case enum converter, so <c>workspace_build</c> and
    /// <c>provisioner_daemon</c> read and write as the server sends and expects them.
    /// </summary>
    private static JsonTypeInfo<T> Wire<T>() => (JsonTypeInfo<T>)OutpostJson.Options.GetTypeInfo(typeof(T));

    private static string JobPath(Guid jobId, string action) => $"jobs/{jobId:D}/{action}";

    private static string FilePath(string hash) => $"files/{Uri.EscapeDataString(hash)}";

    /// <summary>POSTs <paramref name="content"/>, or GETs when it is null.</summary>
    private async Task<HttpResponseMessage> SendAsync(string path, HttpContent? content, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // Relative to the base address, so a deployment served under a path prefix keeps it.
        var uri = new Uri($"{ProvisionerDaemonApi.Prefix.TrimStart('/')}/{path}", UriKind.Relative);
        using var request = new HttpRequestMessage(content is null ? HttpMethod.Get : HttpMethod.Post, uri) { Content = content };
        request.Headers.Add(ProvisionerDaemonApi.KeyHeader, _key);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"the server at {BaseAddress} did not answer {path} within {timeout.TotalSeconds:0} s");
        }

        try
        {
            await OutpostApiClient.EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }
}
