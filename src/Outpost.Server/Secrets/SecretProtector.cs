using System.Security.Cryptography;
using System.Text;

namespace Outpost.Server.Secrets;

/// <summary>Why a ciphertext could not be opened: no known key has its id, or it was altered or made for another purpose.</summary>
internal sealed class SecretDecryptionException(string message) : Exception(message);

/// <summary>
/// AES-256-GCM envelopes: <c>"OPS1"</c>, the key id's length and ASCII bytes, a 12-byte nonce, the
/// 16-byte tag, then the ciphertext. The purpose (a user secret's id, "provisioner_state") is
/// authenticated as associated data, so a ciphertext moved to another row does not open.
/// </summary>
internal sealed class SecretProtector(SecretsKeyRing keys)
{
    private static ReadOnlySpan<byte> Magic => "OPS1"u8;
    private const int NonceLength = 12;
    private const int TagLength = 16;

    public SecretsKeyRing Keys { get; } = keys ?? throw new ArgumentNullException(nameof(keys));

    public byte[] Protect(ReadOnlySpan<byte> plaintext, string purpose)
    {
        var key = Keys.Current;
        var id = Encoding.ASCII.GetBytes(key.Id);
        var envelope = new byte[Magic.Length + 1 + id.Length + NonceLength + TagLength + plaintext.Length];
        var span = envelope.AsSpan();
        Magic.CopyTo(span);
        span[Magic.Length] = (byte)id.Length;
        id.CopyTo(span[(Magic.Length + 1)..]);
        var header = Magic.Length + 1 + id.Length;
        var nonce = span.Slice(header, NonceLength);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key.Key, TagLength);
        aes.Encrypt(nonce, plaintext, span[(header + NonceLength + TagLength)..], span.Slice(header + NonceLength, TagLength), Encoding.UTF8.GetBytes(purpose));
        return envelope;
    }

    public byte[] Protect(string plaintext, string purpose) => Protect(Encoding.UTF8.GetBytes(plaintext), purpose);

    /// <summary>Whether <paramref name="data"/> is an envelope (state written before encryption existed is not).</summary>
    public static bool IsProtected(ReadOnlySpan<byte> data) => data.Length > Magic.Length + 1 && data.StartsWith(Magic);

    /// <summary>The id of the key an envelope was made with.</summary>
    public static string KeyIdOf(ReadOnlySpan<byte> envelope)
    {
        if (!IsProtected(envelope) || envelope.Length < Magic.Length + 1 + envelope[Magic.Length] + NonceLength + TagLength)
        {
            throw new SecretDecryptionException("the ciphertext is not an Outpost secrets envelope");
        }

        return Encoding.ASCII.GetString(envelope.Slice(Magic.Length + 1, envelope[Magic.Length]));
    }

    public byte[] Unprotect(ReadOnlySpan<byte> envelope, string purpose)
    {
        var id = KeyIdOf(envelope);
        var key = Keys.Find(id) ?? throw new SecretDecryptionException(
            $"the ciphertext was made with key {id}, which this server does not have (set {SecretsKeyRing.KeyVariable} or {SecretsKeyRing.PreviousKeysVariable})");
        var header = Magic.Length + 1 + id.Length;
        var body = envelope[(header + NonceLength + TagLength)..];
        var plaintext = new byte[body.Length];
        try
        {
            using var aes = new AesGcm(key.Key, TagLength);
            aes.Decrypt(envelope.Slice(header, NonceLength), body, envelope.Slice(header + NonceLength, TagLength), plaintext, Encoding.UTF8.GetBytes(purpose));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new SecretDecryptionException($"the ciphertext made with key {id} does not authenticate (altered, or stored for another row)");
        }

        return plaintext;
    }

    public string UnprotectString(ReadOnlySpan<byte> envelope, string purpose) => Encoding.UTF8.GetString(Unprotect(envelope, purpose));

    /// <summary>The purpose provisioner state is encrypted for.</summary>
    public const string StatePurpose = "provisioner_state";

    /// <summary>Encrypts a build's provisioner state; empty stays empty (nothing to hide, and "no state" stays recognisable).</summary>
    public byte[] ProtectState(byte[] state) => state.Length == 0 ? state : Protect(state, StatePurpose);

    /// <summary>Decrypts provisioner state; state stored before encryption existed passes through as it is.</summary>
    public byte[] UnprotectState(byte[] stored) => IsProtected(stored) ? Unprotect(stored, StatePurpose) : stored;

    public static string SecretPurpose(Guid secretId) => "user_secret:" + secretId.ToString("D");
}
