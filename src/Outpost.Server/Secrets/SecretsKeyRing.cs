using System.Security.Cryptography;
using System.Text;

namespace Outpost.Server.Secrets;

/// <summary>One AES-256 key and its id (the first 16 hex digits of SHA-256 of the key, so the id never reveals it).</summary>
internal sealed class SecretsKey
{
    public const int Length = 32;

    public SecretsKey(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length != Length)
        {
            throw new ArgumentException($"a secrets key is {Length} bytes", nameof(key));
        }

        Key = key;
        Id = Convert.ToHexStringLower(SHA256.HashData(key))[..16];
    }

    public string Id { get; }

    public byte[] Key { get; }

    public static SecretsKey Generate() => new(RandomNumberGenerator.GetBytes(Length));

    /// <summary>A key as written in <c>OUTPOST_SECRETS_KEY</c> or the key file: base64 of 32 bytes.</summary>
    public static SecretsKey? Parse(string text)
    {
        var bytes = new byte[Length + 3];
        return Convert.TryFromBase64String(text.Trim(), bytes, out var written) && written == Length ? new SecretsKey(bytes[..Length]) : null;
    }

    public string Encoded => Convert.ToBase64String(Key);
}

/// <summary>
/// The keys user secrets and provisioner state are encrypted with (DESIGN.md "Secrets at rest"): the
/// current key encrypts, every known key decrypts (ciphertexts name theirs). The current key comes
/// from <c>OUTPOST_SECRETS_KEY</c> (base64 of 32 bytes), else from the first line of the key file in
/// the data directory, generated 0600 in a 0700 directory on first start. Earlier keys, kept while a
/// rotation is under way, are the file's later lines and <c>OUTPOST_SECRETS_PREVIOUS_KEYS</c> (comma-separated).
/// </summary>
internal sealed class SecretsKeyRing
{
    public const string KeyVariable = "OUTPOST_SECRETS_KEY";
    public const string PreviousKeysVariable = "OUTPOST_SECRETS_PREVIOUS_KEYS";

    private readonly Dictionary<string, SecretsKey> _keys;

    public SecretsKeyRing(SecretsKey current, IEnumerable<SecretsKey> previous)
    {
        ArgumentNullException.ThrowIfNull(current);
        Current = current;
        _keys = new Dictionary<string, SecretsKey>(StringComparer.Ordinal) { [current.Id] = current };
        foreach (var key in previous ?? [])
        {
            _keys.TryAdd(key.Id, key);
        }
    }

    public SecretsKey Current { get; }

    /// <summary>Whether the key comes from the environment (rotation then re-encrypts under it, and writes no file).</summary>
    public bool FromEnvironment { get; private init; }

    public string? KeyFile { get; private init; }

    public IReadOnlyCollection<string> KeyIds => _keys.Keys;

    public SecretsKey? Find(string keyId) => _keys.GetValueOrDefault(keyId);

    /// <summary>Where the generated key lives: <c>&lt;data&gt;/secrets/key</c>.</summary>
    public static string KeyFilePath(string dataDirectory) => Path.Join(dataDirectory, "secrets", "key");

    /// <summary>Loads the ring; generates and writes the key file when there is neither a key variable nor a file.</summary>
    public static (SecretsKeyRing? Ring, string? Error) Load(string dataDirectory, string? keyVariable, string? previousVariable)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        var previous = new List<SecretsKey>();
        foreach (var text in (previousVariable ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (SecretsKey.Parse(text) is not { } key)
            {
                return (null, $"{PreviousKeysVariable} must hold base64-encoded {SecretsKey.Length}-byte keys, separated by commas");
            }

            previous.Add(key);
        }

        var path = KeyFilePath(dataDirectory);
        var fileKeys = new List<SecretsKey>();
        if (File.Exists(path))
        {
            foreach (var line in File.ReadAllLines(path).Where(line => line.Trim().Length > 0))
            {
                if (SecretsKey.Parse(line) is not { } key)
                {
                    return (null, $"the secrets key file {path} is damaged: every line must be a base64-encoded {SecretsKey.Length}-byte key");
                }

                fileKeys.Add(key);
            }
        }

        if (keyVariable is { Length: > 0 })
        {
            return SecretsKey.Parse(keyVariable) is { } key
                ? (new SecretsKeyRing(key, [.. previous, .. fileKeys]) { FromEnvironment = true, KeyFile = File.Exists(path) ? path : null }, null)
                : (null, $"{KeyVariable} must be a base64-encoded {SecretsKey.Length}-byte key (for example the output of: head -c 32 /dev/urandom | base64)");
        }

        if (fileKeys.Count == 0)
        {
            var generated = SecretsKey.Generate();
            WriteKeyFile(path, [generated]);
            fileKeys.Add(generated);
        }

        return (new SecretsKeyRing(fileKeys[0], [.. fileKeys.Skip(1), .. previous]) { KeyFile = path }, null);
    }

    /// <summary>Writes the key file (current key first) through a 0600 temporary file and a rename, in a 0700 directory.</summary>
    public static void WriteKeyFile(string path, IReadOnlyList<SecretsKey> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            // The mode is set before the key is written; a pre-existing temporary file keeps its mode, so it is reset too.
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var text = Encoding.ASCII.GetBytes(string.Concat(keys.Select(key => key.Encoded + "\n")));
            stream.Write(text);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
