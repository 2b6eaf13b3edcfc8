using System.Text;
using Outpost.Server.Secrets;

namespace Outpost.Server.Tests.Secrets;

public sealed class SecretProtectorTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("outpost-secrets-keys-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public void A_value_round_trips_and_its_envelope_names_the_key_and_hides_the_value()
    {
        var protector = new SecretProtector(new SecretsKeyRing(SecretsKey.Generate(), []));
        var envelope = protector.Protect("canary-plaintext", "user_secret:1");
        Assert.Equal("canary-plaintext", protector.UnprotectString(envelope, "user_secret:1"));
        Assert.Equal(protector.Keys.Current.Id, SecretProtector.KeyIdOf(envelope));
        Assert.DoesNotContain("canary-plaintext", Encoding.Latin1.GetString(envelope), StringComparison.Ordinal);
        // A fresh nonce each time: the same value never gives the same ciphertext.
        Assert.NotEqual(envelope, protector.Protect("canary-plaintext", "user_secret:1"));
    }

    [Fact]
    public void An_envelope_does_not_open_for_another_purpose_or_when_altered()
    {
        var protector = new SecretProtector(new SecretsKeyRing(SecretsKey.Generate(), []));
        var envelope = protector.Protect("v", "user_secret:1");
        Assert.Throws<SecretDecryptionException>(() => protector.Unprotect(envelope, "user_secret:2"));
        envelope[^1] ^= 1;
        Assert.Throws<SecretDecryptionException>(() => protector.Unprotect(envelope, "user_secret:1"));
    }

    [Fact]
    public void An_envelope_made_with_a_key_the_ring_lacks_names_that_key()
    {
        var old = SecretsKey.Generate();
        var envelope = new SecretProtector(new SecretsKeyRing(old, [])).Protect("v", "p");
        var error = Assert.Throws<SecretDecryptionException>(() => new SecretProtector(new SecretsKeyRing(SecretsKey.Generate(), [])).Unprotect(envelope, "p"));
        Assert.Contains(old.Id, error.Message, StringComparison.Ordinal);
        Assert.Equal("v", new SecretProtector(new SecretsKeyRing(SecretsKey.Generate(), [old])).UnprotectString(envelope, "p"));
    }

    [Fact]
    public void State_is_encrypted_except_when_empty_and_state_from_before_encryption_passes_through()
    {
        var protector = new SecretProtector(new SecretsKeyRing(SecretsKey.Generate(), []));
        var state = Encoding.UTF8.GetBytes("""{"version":4,"resources":[{"token":"agent-token"}]}""");
        var stored = protector.ProtectState(state);
        Assert.True(SecretProtector.IsProtected(stored));
        Assert.Equal(state, protector.UnprotectState(stored));
        Assert.Empty(protector.ProtectState([]));
        Assert.Equal(state, protector.UnprotectState(state));
    }

    [Fact]
    public void Without_a_key_variable_a_key_file_is_generated_0600_in_a_0700_directory_and_reused()
    {
        var (ring, error) = SecretsKeyRing.Load(_data, null, null);
        Assert.Null(error);
        var path = SecretsKeyRing.KeyFilePath(_data);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
        Assert.False(ring!.FromEnvironment);
        Assert.Equal(ring.Current.Id, SecretsKeyRing.Load(_data, null, null).Ring!.Current.Id);
    }

    [Fact]
    public void OUTPOST_SECRETS_KEY_wins_and_writes_no_file()
    {
        var key = SecretsKey.Generate();
        var (ring, error) = SecretsKeyRing.Load(_data, key.Encoded, null);
        Assert.Null(error);
        Assert.Equal(key.Id, ring!.Current.Id);
        Assert.True(ring.FromEnvironment);
        Assert.False(File.Exists(SecretsKeyRing.KeyFilePath(_data)));
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("c2hvcnQ=")]
    public void A_bad_key_variable_is_refused_with_what_is_expected(string key)
    {
        var (ring, error) = SecretsKeyRing.Load(_data, key, null);
        Assert.Null(ring);
        Assert.Contains("OUTPOST_SECRETS_KEY must be a base64-encoded 32-byte key", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Previous_keys_decrypt_but_never_encrypt()
    {
        var previous = SecretsKey.Generate();
        var current = SecretsKey.Generate();
        var (ring, _) = SecretsKeyRing.Load(_data, current.Encoded, previous.Encoded);
        Assert.Equal(current.Id, ring!.Current.Id);
        Assert.NotNull(ring.Find(previous.Id));
        Assert.Contains("OUTPOST_SECRETS_PREVIOUS_KEYS", SecretsKeyRing.Load(_data, current.Encoded, "junk").Error, StringComparison.Ordinal);
    }
}
