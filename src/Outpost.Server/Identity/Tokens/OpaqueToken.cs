using System.Security.Cryptography;
using System.Text;

namespace Outpost.Server.Identity.Tokens;

/// <summary>
/// An opaque bearer token <c>&lt;id&gt;-&lt;secret&gt;</c>: the id finds the row, the secret proves
/// possession. Only SHA-256 of the secret is stored, and it is compared in constant time.
/// </summary>
internal readonly record struct OpaqueToken(string Id, string Secret)
{
    public const int IdLength = 10;
    public const int SecretLength = 32;
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    private const string SecretAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    public static OpaqueToken Generate() =>
        new(RandomNumberGenerator.GetString(Alphabet, IdLength), RandomNumberGenerator.GetString(SecretAlphabet, SecretLength));

    /// <summary>Parses a presented token; anything malformed is simply not a token.</summary>
    public static bool TryParse(string? value, out OpaqueToken token)
    {
        token = default;
        if (value is null || value.Length != IdLength + 1 + SecretLength || value[IdLength] != '-')
        {
            return false;
        }

        var id = value[..IdLength];
        var secret = value[(IdLength + 1)..];
        if (!id.All(c => Alphabet.Contains(c, StringComparison.Ordinal)) || !secret.All(char.IsAsciiLetterOrDigit))
        {
            return false;
        }

        token = new OpaqueToken(id, secret);
        return true;
    }

    public byte[] HashSecret() => SHA256.HashData(Encoding.ASCII.GetBytes(Secret));

    public bool Matches(byte[] storedHash) => CryptographicOperations.FixedTimeEquals(HashSecret(), storedHash);

    public override string ToString() => $"{Id}-{Secret}";
}
