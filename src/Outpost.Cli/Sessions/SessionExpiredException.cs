namespace Outpost.Cli.Sessions;

/// <summary>The session cannot be recovered without a new login; the CLI exits with ExitCodes.SessionExpired.</summary>
internal sealed class SessionExpiredException(string message) : Exception(message)
{
    public const string DefaultMessage = "session expired: run outpost login";

    public SessionExpiredException()
        : this(DefaultMessage)
    {
    }
}
