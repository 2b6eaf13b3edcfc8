using Outpost.Server.Identity.Tokens;

namespace Outpost.Server.Provisionerd;

/// <summary>
/// The key in-process daemons authenticate with: random per server process, never stored. The
/// composition root hands <see cref="Value"/> to the daemons it hosts; the authenticator keeps only
/// the hash.
/// </summary>
internal sealed class InternalProvisionerKey
{
    public const string DaemonKeyId = "internal";

    private readonly OpaqueToken _token = OpaqueToken.Generate();

    public string Value => _token.ToString();

    internal OpaqueToken Token => _token;
}
