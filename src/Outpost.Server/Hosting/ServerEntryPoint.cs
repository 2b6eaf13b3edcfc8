namespace Outpost.Server.Hosting;

/// <summary>How a server run ended: flag errors (nothing was started), a start failure, or neither (a clean stop).</summary>
public sealed record ServerRunResult(IReadOnlyList<string> FlagErrors, string? StartError);

/// <summary>
/// The server assembly's public surface, all that <c>outpost server</c> calls: validate the flags,
/// then run the control plane until stopped. Everything else in the assembly is internal.
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
}
