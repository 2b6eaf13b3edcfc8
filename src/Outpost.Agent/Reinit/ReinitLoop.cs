using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Outpost.Agent.ControlPlane;
using Outpost.Agent.Transport;
using Outpost.Sdk.Templates;

namespace Outpost.Agent.Reinit;

/// <summary>
/// Waits for reinit events (coder-spec §4's <c>WaitForReinitLoop</c>): reconnects with backoff
/// (100 ms to 10 s, reset after each event) and yields each event; ends when the server answers 409
/// (the workspace is not a prebuild) or the token is canceled.
/// </summary>
internal static class ReinitLoop
{
    public static async IAsyncEnumerable<ReinitializationEvent> WatchAsync(
        IAgentTransport transport, Backoff backoff, TimeProvider time, ILogger logger, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(backoff);
        var attempt = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var result = await transport.WaitForReinitAsync(cancellationToken).ConfigureAwait(false);
            if (result.Value is { } reinit)
            {
                attempt = 0;
                yield return reinit;
                continue;
            }

            if (result.Failure!.StatusCode == 409)
            {
                ReinitLog.NotAPrebuild(logger, result.Failure.Message);
                yield break;
            }

            var delay = backoff.Delay(++attempt);
            ReinitLog.WaitFailed(logger, attempt, result.Failure.Message, (long)delay.TotalMilliseconds);
            try
            {
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
        }
    }
}

/// <summary>
/// At most one reinitialisation per claim (seed 003): the owner the agent last reinitialised for is
/// remembered and a repeated event for it ignored. An event without an owner (an older server's raw
/// payload) always counts.
/// </summary>
internal sealed class ReinitDecider
{
    private Guid? _lastOwner;

    /// <summary>True when the agent should reinitialise for <paramref name="reinit"/>.</summary>
    public bool ShouldReinitialize(ReinitializationEvent reinit)
    {
        ArgumentNullException.ThrowIfNull(reinit);
        if (reinit.OwnerId != Guid.Empty && reinit.OwnerId == _lastOwner)
        {
            return false;
        }

        _lastOwner = reinit.OwnerId;
        return true;
    }
}
