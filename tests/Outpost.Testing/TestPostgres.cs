using Microsoft.Extensions.Logging.Abstractions;
using Outpost.Server.Database;

namespace Outpost.Testing;

/// <summary>
/// The one PostgreSQL of a test run: the server's own embedded launcher, started on first use in a
/// temporary directory and stopped when the test process exits.
/// </summary>
public static class TestPostgres
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static EmbeddedPostgres? _instance;
    private static int _databaseCounter;

    internal static async Task<EmbeddedPostgres> GetAsync()
    {
        if (_instance is not null)
        {
            return _instance;
        }

        await Gate.WaitAsync().WaitAsync(TestTimeouts.Default);
        try
        {
            if (_instance is not null)
            {
                return _instance;
            }

            var root = Path.Combine(Path.GetTempPath(), $"outpost-test-pg-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            var start = await EmbeddedPostgres.StartAsync(root, NullLogger.Instance, timeout.Token);
            _instance = start.Instance ?? throw new InvalidOperationException(
                $"Tests need PostgreSQL and the embedded launcher could not start it: {start.Error}");
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop(root);
            return _instance;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Creates an empty database with a unique name and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string hint)
    {
        var postgres = await GetAsync();
        var name = $"t{Environment.ProcessId}_{Interlocked.Increment(ref _databaseCounter)}_{Sanitize(hint)}";
        using var timeout = new CancellationTokenSource(TestTimeouts.Default);
        await postgres.EnsureDatabaseAsync(name, timeout.Token);
        return postgres.ConnectionStringFor(name);
    }

    private static string Sanitize(string hint)
    {
        var chars = hint.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).Take(30).ToArray();
        return new string(chars);
    }

    private static void Stop(string root)
    {
        // ProcessExit handlers are synchronous; this is the one place a test run blocks on async work.
        _instance?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover temp directory is harmless; failing the run over it is not.
        }
    }
}
