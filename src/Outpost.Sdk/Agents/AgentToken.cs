using System.Security.Cryptography;

namespace Outpost.Sdk.Agents;

/// <summary>Workspace agent tokens: 40 random letters and digits (238 bits), made by whoever starts or authenticates an agent.</summary>
public static class AgentToken
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>The length of a token.</summary>
    public const int Length = 40;

    /// <summary>A new token.</summary>
    public static string New() => RandomNumberGenerator.GetString(Alphabet, Length);
}
