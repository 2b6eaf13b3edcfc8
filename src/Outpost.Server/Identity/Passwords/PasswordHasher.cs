using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Outpost.Server.Identity.Passwords;

/// <summary>
/// PBKDF2-HMAC-SHA256 password hashes with a per-user random salt, stored as
/// <c>pbkdf2-sha256$&lt;iterations&gt;$&lt;salt&gt;$&lt;hash&gt;</c> so the count can rise later without
/// invalidating existing hashes.
/// </summary>
internal sealed class PasswordHasher(int iterations = PasswordHasher.OwaspIterations)
{
    /// <summary>OWASP's recommendation for PBKDF2-HMAC-SHA256 (Password Storage Cheat Sheet, 2023).</summary>
    public const int OwaspIterations = 600_000;

    private const string Scheme = "pbkdf2-sha256";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    // Verifying against this when the user does not exist keeps the response time the same, so
    // timing cannot tell which half of "invalid email or password" was wrong.
    private readonly Lazy<string> _decoy = new(() => new PasswordHasher(iterations).Hash("decoy-password-for-timing"));

    private long _hashes;

    public int Iterations => iterations;

    /// <summary>How many hashes this instance has computed (new passwords and verifications), for tests of who may cost one.</summary>
    public long HashesComputed => Interlocked.Read(ref _hashes);

    public string Hash(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        Interlocked.Increment(ref _hashes);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
        return string.Create(CultureInfo.InvariantCulture, $"{Scheme}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    public bool Verify(string password, string? stored)
    {
        ArgumentNullException.ThrowIfNull(password);
        Interlocked.Increment(ref _hashes);
        var parts = (stored ?? _decoy.Value).Split('$');
        if (parts.Length != 4 || parts[0] != Scheme || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count <= 0)
        {
            return false;
        }

        byte[] salt, expected;
        try
        {
            salt = Convert.FromBase64String(parts[2]);
            expected = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return false;
        }

        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, count, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected) && stored is not null;
    }
}
