using Outpost.Sdk.Client;
using Outpost.Sdk.Provisioning;

namespace Outpost.QueueBench;

/// <summary>
/// A daemon as the real one talks to the server: the SDK's typed client over its own connection
/// pool, so killing it (disposing) drops its connections mid-request like a dead process would.
/// </summary>
internal sealed class BenchDaemon(Uri server, string key, string name) : IDisposable
{
    private static readonly TemplateImportResult NoOpImport = new() { Parameters = [], Resources = [] };

    private readonly ProvisionerDaemonClient _client = ProvisionerDaemonClient.Create(server, key, new SocketsHttpHandler());

    public string Name => name;

    public Task<AcquiredJob?> AcquireAsync(int waitSeconds, CancellationToken cancellationToken) =>
        _client.AcquireAsync(new AcquireJobRequest { DaemonName = name, Provisioners = [BenchServer.Provisioner], WaitSeconds = waitSeconds }, cancellationToken);

    public Task<AcquiredJob?> CompleteAsync(Guid jobId, CancellationToken cancellationToken) =>
        _client.CompleteJobAsync(jobId, new CompleteJobRequest { TemplateImport = NoOpImport }, cancellationToken);

    /// <summary>Completes and takes the next queued job in the same request, as the real daemon does.</summary>
    public Task<AcquiredJob?> CompleteAndAcquireNextAsync(Guid jobId, CancellationToken cancellationToken) =>
        _client.CompleteJobAsync(jobId, new CompleteJobRequest
        {
            TemplateImport = NoOpImport,
            AcquireNext = new AcquireJobRequest { DaemonName = name, Provisioners = [BenchServer.Provisioner] },
        }, cancellationToken);

    public Task FailAsync(Guid jobId, CancellationToken cancellationToken) =>
        _client.FailJobAsync(jobId, new FailJobRequest { Error = ChaosScenario.DaemonFailure }, cancellationToken);

    public void Dispose() => _client.Dispose();
}
