namespace Outpost.Sdk.Sessions;

/// <summary>The peer sent bytes that are not a valid session frame (a <c>protocol_error</c> disconnect).</summary>
public sealed class SessionProtocolException : Exception
{
    /// <summary>Creates the exception with what was wrong.</summary>
    public SessionProtocolException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with what was wrong and the parse failure behind it.</summary>
    public SessionProtocolException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>Creates the exception without a message.</summary>
    public SessionProtocolException()
        : base("not a session frame")
    {
    }
}
