using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Outpost.Sdk.Secrets;
using Outpost.Server.Database;
using Outpost.Server.Secrets;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Secrets;

/// <summary><c>outpost server secrets rotate-key</c> against a real database and key file.</summary>
public sealed class RotateKeyCommandTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("outpost-rotate-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    [Fact]
    public async Task Rotating_generates_a_new_key_file_and_re_encrypts_the_secrets_under_it()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync(nameof(RotateKeyCommandTests)).WithTimeout();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        Assert.Null((await MigrationRunner.ApplyAsync(dataSource, NullLogger.Instance, CancellationToken.None).WithTimeout()).Error);
        var oldRing = SecretsKeyRing.Load(_data, null, null).Ring!;
        var userId = Guid.NewGuid();
        await using (var insert = dataSource.CreateCommand(
            "INSERT INTO users (id, email, username, role, password_hash, created_at, updated_at) VALUES ($1, 'r@example.com', 'r', 'member', 'x', now(), now())"))
        {
            insert.Parameters.Add(new() { Value = userId });
            await insert.ExecuteNonQueryAsync();
        }

        var store = new UserSecretStore(dataSource, new SecretProtector(oldRing), TimeProvider.System);
        Assert.NotNull((await store.CreateAsync(userId, new CreateUserSecretRequest { Name = "k", Value = "rotate-me", EnvName = "K" }, CancellationToken.None)).Secret);

        using var cli = new TestCli();
        var run = await cli.RunAsync("server", "secrets", "rotate-key", "--postgres-url", connectionString, "--data-dir", _data);
        Assert.True(run.ExitCode == 0, run.Stderr);

        var newRing = SecretsKeyRing.Load(_data, null, null).Ring!;
        Assert.NotEqual(oldRing.Current.Id, newRing.Current.Id);
        Assert.Single(newRing.KeyIds);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(SecretsKeyRing.KeyFilePath(_data)));
        var secrets = await new UserSecretStore(dataSource, new SecretProtector(newRing), TimeProvider.System).ListForBuildAsync(userId, CancellationToken.None);
        Assert.Equal("rotate-me", Assert.Single(secrets).Value);
        await using var keyId = dataSource.CreateCommand("SELECT value_key_id FROM user_secrets");
        Assert.Equal(newRing.Current.Id, (string?)await keyId.ExecuteScalarAsync());
    }
}
