using System.Security.Cryptography;
using Outpost.Provisioner.Files;
using Outpost.Testing;

namespace Outpost.Provisioner.Tests.Files;

public sealed class FileCacheTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly FakeTimeProvider _clock = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Stored_files_are_read_back_verified_with_private_modes()
    {
        var cache = new FileCache(_temp.Combine("cache"), maxBytes: 100, _clock);
        var data = new byte[] { 1, 2, 3 };

        cache.Put(Hash(data), data);

        Assert.Equal(data, cache.TryGet(Hash(data)));
        Assert.Null(cache.TryGet(Hash([4])));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(cache.Directory));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Join(cache.Directory, Hash(data))));
    }

    [Fact]
    public void The_least_recently_used_entries_are_evicted_to_stay_under_the_bound()
    {
        var cache = new FileCache(_temp.Combine("cache"), maxBytes: 25, _clock);
        byte[] a = [.. Enumerable.Repeat((byte)1, 10)], b = [.. Enumerable.Repeat((byte)2, 10)], c = [.. Enumerable.Repeat((byte)3, 10)];
        cache.Put(Hash(a), a);
        _clock.Advance(TimeSpan.FromMinutes(1));
        cache.Put(Hash(b), b);
        _clock.Advance(TimeSpan.FromMinutes(1));
        // Reading a makes b the least recently used.
        Assert.NotNull(cache.TryGet(Hash(a)));
        _clock.Advance(TimeSpan.FromMinutes(1));

        cache.Put(Hash(c), c);

        Assert.Equal([Hash(c), Hash(a)], cache.Entries());
        Assert.Null(cache.TryGet(Hash(b)));
    }

    [Fact]
    public void A_damaged_entry_is_a_miss_and_is_removed()
    {
        var cache = new FileCache(_temp.Combine("cache"), maxBytes: 100, _clock);
        var data = new byte[] { 1, 2, 3 };
        cache.Put(Hash(data), data);
        File.WriteAllBytes(Path.Join(cache.Directory, Hash(data)), [6, 6, 6]);

        Assert.Null(cache.TryGet(Hash(data)));
        Assert.Empty(cache.Entries());
    }

    [Fact]
    public void Data_that_does_not_match_its_hash_is_not_stored_and_a_file_larger_than_the_cache_is_not_kept()
    {
        var cache = new FileCache(_temp.Combine("cache"), maxBytes: 2, _clock);

        Assert.Throws<ArgumentException>(() => cache.Put(Hash([1]), [2]));
        cache.Put(Hash([1, 2, 3]), [1, 2, 3]);

        Assert.Empty(cache.Entries());
    }

    private static string Hash(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));
}
