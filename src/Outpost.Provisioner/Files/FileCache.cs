using System.Security.Cryptography;

namespace Outpost.Provisioner.Files;

/// <summary>
/// Files by content hash on disk: one file per hash (mode 0600) in a directory of mode 0700. What is
/// read is checked against its hash (a damaged entry is deleted and counts as a miss); the total size
/// is bounded and the least recently used entries are evicted to stay under it. Safe for several
/// daemons of one process sharing a directory: entries are written whole and renamed into place.
/// </summary>
internal sealed class FileCache
{
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode EntryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly string _directory;
    private readonly long _maxBytes;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();

    public FileCache(string directory, long maxBytes, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        if (!Path.IsPathFullyQualified(directory))
        {
            throw new ArgumentException("the cache directory must be absolute", nameof(directory));
        }

        _directory = directory;
        _maxBytes = maxBytes;
        _time = time ?? throw new ArgumentNullException(nameof(time));
    }

    public string Directory => _directory;

    public long MaxBytes => _maxBytes;

    /// <summary>The cached bytes of <paramref name="hash"/>, verified, or null (also when the entry was damaged, which removes it).</summary>
    public byte[]? TryGet(string hash)
    {
        var path = PathOf(hash);
        byte[] data;
        try
        {
            data = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        if (!string.Equals(Convert.ToHexStringLower(SHA256.HashData(data)), hash, StringComparison.Ordinal))
        {
            TryDelete(path);
            return null;
        }

        // The last use is the file's modification time: the eviction order survives a restart.
        Touch(path);
        return data;
    }

    /// <summary>Stores <paramref name="data"/>, which must hash to <paramref name="hash"/>; evicts old entries to stay under the bound.</summary>
    public void Put(string hash, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var actual = Convert.ToHexStringLower(SHA256.HashData(data));
        if (!string.Equals(actual, hash, StringComparison.Ordinal))
        {
            throw new ArgumentException($"the data hashes to {actual}, not {hash}", nameof(data));
        }

        if (data.Length > _maxBytes)
        {
            // Larger than the whole cache: used once, kept nowhere.
            return;
        }

        EnsureDirectory();
        var path = PathOf(hash);
        var temporary = Path.Join(_directory, $".{hash}.{Guid.NewGuid():N}.tmp");
        using (var stream = new FileStream(temporary, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = OperatingSystem.IsWindows() ? null : EntryMode,
        }))
        {
            stream.Write(data);
        }

        File.Move(temporary, path, overwrite: true);
        Touch(path);
        Evict(keep: path);
    }

    /// <summary>The entries, most recently used first (for tests and diagnostics).</summary>
    public IReadOnlyList<string> Entries()
    {
        if (!System.IO.Directory.Exists(_directory))
        {
            return [];
        }

        return
        [
            .. new DirectoryInfo(_directory).EnumerateFiles()
                .Where(file => !file.Name.StartsWith('.'))
                .OrderByDescending(file => file.LastWriteTimeUtc)
                .Select(file => file.Name),
        ];
    }

    private string PathOf(string hash)
    {
        if (hash.Length != 64 || !hash.All(static c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f')))
        {
            throw new ArgumentException($"\"{hash}\" is not a lowercase hex SHA-256", nameof(hash));
        }

        return Path.Join(_directory, hash);
    }

    private void EnsureDirectory()
    {
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(_directory);
        }
        else
        {
            System.IO.Directory.CreateDirectory(_directory, DirectoryMode);
            File.SetUnixFileMode(_directory, DirectoryMode);
        }
    }

    private void Touch(string path)
    {
        try
        {
            File.SetLastWriteTimeUtc(path, _time.GetUtcNow().UtcDateTime);
        }
        catch (IOException)
        {
            // Evicted by another daemon meanwhile: the bytes in hand are still good.
        }
    }

    private void Evict(string keep)
    {
        lock (_gate)
        {
            var files = new DirectoryInfo(_directory).EnumerateFiles()
                .Where(file => !file.Name.StartsWith('.'))
                .OrderBy(file => file.LastWriteTimeUtc)
                .ThenBy(file => file.Name, StringComparer.Ordinal)
                .ToList();
            var total = files.Sum(file => file.Length);
            foreach (var file in files)
            {
                if (total <= _maxBytes)
                {
                    break;
                }

                if (file.FullName == keep)
                {
                    continue;
                }

                if (TryDelete(file.FullName))
                {
                    total -= file.Length;
                }
            }
        }
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
