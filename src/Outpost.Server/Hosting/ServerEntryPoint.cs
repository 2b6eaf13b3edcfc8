namespace Outpost.Server.Hosting;

/// <summary>How a server run ended: flag errors (nothing was started), a start failure, or neither (a clean stop).</summary>
public sealed record ServerRunResult(IReadOnlyList<string> FlagErrors, string? StartError);

/// <summary>How <c>outpost server secrets rotate-key</c> ended: flag errors, a failure, or the counts re-encrypted under the new key.</summary>
public sealed record SecretsRotationResult(IReadOnlyList<string> FlagErrors, string? Error, string? KeyId = null, int Secrets = 0, int States = 0, int AgentEnvironments = 0);

/// <summary>
/// The server assembly's public surface, all that <c>outpost server</c> calls: validate the flags,
/// then run the control plane until stopped, or rotate the secrets key. Everything else in the
/// assembly is internal.
/// </summary>
public static class ServerEntryPoint
{
    /// <summary>
    /// Validates every flag at once (reading the rest of the configuration from
    /// <paramref name="environment"/>), then runs the server until <paramref name="cancellationToken"/>
    /// is canceled or the process gets SIGINT/SIGTERM.
    /// </summary>
    public static async Task<ServerRunResult> RunAsync(ServerFlags flags, Func<string, string?> environment, CancellationToken cancellationToken)
    {
        var validation = ServerOptions.TryCreate(flags, new EnvironmentReader(environment));
        if (validation.Options is null)
        {
            return new ServerRunResult(validation.Errors, null);
        }

        var outcome = await OutpostServer.RunAsync(validation.Options, cancellationToken).ConfigureAwait(false);
        return new ServerRunResult([], outcome.Error);
    }

    /// <summary>
    /// Re-encrypts every user secret and provisioner state under a new key (<c>outpost server secrets
    /// rotate-key</c>), against the database and data directory <paramref name="flags"/> name.
    /// </summary>
    public static async Task<SecretsRotationResult> RotateSecretsKeyAsync(ServerFlags flags, Func<string, string?> environment, CancellationToken cancellationToken)
    {
        var validation = ServerOptions.TryCreate(flags, new EnvironmentReader(environment));
        if (validation.Options is not { } options)
        {
            return new SecretsRotationResult(validation.Errors, null);
        }

        using var loggers = Microsoft.Extensions.Logging.LoggerFactory.Create(logging => ServerLogging.Configure(logging, options.LogFormat));
        var outcome = await Secrets.SecretsKeyRotation.RunAsync(options, loggers.CreateLogger(Secrets.SecretsLog.Category), cancellationToken).ConfigureAwait(false);
        return new SecretsRotationResult([], outcome.Error, outcome.KeyId, outcome.Secrets, outcome.States, outcome.AgentEnvironments);
    }
}
