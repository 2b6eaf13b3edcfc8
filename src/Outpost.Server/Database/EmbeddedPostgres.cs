using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Outpost.Server.Database;

/// <summary>The outcome of starting the embedded PostgreSQL: a running instance, or why not.</summary>
internal sealed record EmbeddedPostgresStart(EmbeddedPostgres? Instance, string? Error);

/// <summary>
/// A private PostgreSQL server run from the machine's own binaries, inside the server's data
/// directory, on a free loopback port. Used by <c>outpost server</c> without <c>--postgres-url</c>
/// and by the test fixtures.
/// </summary>
/// <remarks>
/// Layout under the root directory: <c>postgres/</c> (the cluster), <c>postgres.password</c> (the
/// superuser password, mode 0600) and <c>postgres.log</c>. PostgreSQL refuses to run as root, so a
/// root process runs the PostgreSQL programs as the <c>postgres</c> system user and hands it the
/// cluster directory.
/// </remarks>
internal sealed partial class EmbeddedPostgres : IAsyncDisposable
{
    public const string DatabaseName = "outpost";
    public const string SuperUser = "outpost";
    private const string SystemUser = "postgres";

    private readonly string _binDirectory;
    private readonly bool _runAsSystemUser;
    private readonly string _password;
    private readonly ILogger _logger;
    private int _stopped;

    private EmbeddedPostgres(string root, string binDirectory, bool runAsSystemUser, string password, int port, ILogger logger)
    {
        RootDirectory = root;
        _binDirectory = binDirectory;
        _runAsSystemUser = runAsSystemUser;
        _password = password;
        Port = port;
        _logger = logger;
    }

    public string RootDirectory { get; }

    public string ClusterDirectory => Path.Combine(RootDirectory, "postgres");

    public int Port { get; }

    public string ConnectionString => ConnectionStringFor(DatabaseName);

    public string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = SuperUser,
        Password = _password,
        Database = database,
        // The cluster is private to this process tree; a small pool keeps its footprint small.
        MaxPoolSize = 50,
    }.ConnectionString;

    public static async Task<EmbeddedPostgresStart> StartAsync(string rootDirectory, ILogger logger, CancellationToken cancellationToken, string? binDirectoryOverride = null)
    {
        ArgumentNullException.ThrowIfNull(rootDirectory);
        ArgumentNullException.ThrowIfNull(logger);
        var root = Path.GetFullPath(rootDirectory);
        var binDirectory = await PostgresBinaries.LocateAsync(binDirectoryOverride, cancellationToken).ConfigureAwait(false);
        if (binDirectory is null)
        {
            return new EmbeddedPostgresStart(null, PostgresBinaries.NotFoundMessage);
        }

        try
        {
            Directory.CreateDirectory(root);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new EmbeddedPostgresStart(null, $"cannot create the data directory {root}: {e.Message}. Pass --data-dir with a directory this user can write.");
        }

        var runAsSystemUser = Environment.IsPrivilegedProcess;
        var preparation = runAsSystemUser ? await PrepareForSystemUserAsync(root, logger, cancellationToken).ConfigureAwait(false) : null;
        if (preparation is not null)
        {
            return new EmbeddedPostgresStart(null, preparation);
        }

        var (password, passwordError) = await EnsureClusterAsync(root, binDirectory, runAsSystemUser, logger, cancellationToken).ConfigureAwait(false);
        if (password is null)
        {
            return new EmbeddedPostgresStart(null, passwordError);
        }

        var port = FreeLoopbackPort();
        var instance = new EmbeddedPostgres(root, binDirectory, runAsSystemUser, password, port, logger);
        var startError = await instance.StartServerAsync(cancellationToken).ConfigureAwait(false);
        if (startError is not null)
        {
            return new EmbeddedPostgresStart(null, startError);
        }

        try
        {
            await instance.EnsureDatabaseAsync(DatabaseName, cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException e)
        {
            await instance.DisposeAsync().ConfigureAwait(false);
            return new EmbeddedPostgresStart(null, $"the embedded PostgreSQL started but could not be used: {e.Message}");
        }

        Log.Started(logger, port, instance.ClusterDirectory);
        return new EmbeddedPostgresStart(instance, null);
    }

    /// <summary>Creates the database if it does not exist yet (tests create one per class).</summary>
    public async Task EnsureDatabaseAsync(string database, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ConnectionStringFor("postgres"));
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
        exists.Parameters.Add(new NpgsqlParameter { Value = database });
        if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
        {
            // Identifiers cannot be parameters; callers pass names we generate, quoted here regardless.
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await StopServerAsync(immediate: false, timeout.Token).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops the PostgreSQL server but keeps the instance (cluster, port, password) so that
    /// <see cref="StartServerAsync"/> can bring the same database back: how tests restart the
    /// database under a running Outpost server. <paramref name="immediate"/> is a crash-like stop
    /// (<c>-m immediate</c>: no checkpoint, recovery at the next start); otherwise a fast one.
    /// </summary>
    /// <returns>Null once stopped, else what <c>pg_ctl</c> said.</returns>
    internal async Task<string?> StopServerAsync(bool immediate, CancellationToken cancellationToken)
    {
        var result = await RunPostgresToolAsync(
            "pg_ctl", ["stop", "-D", ClusterDirectory, "-m", immediate ? "immediate" : "fast", "-w", "-t", "50"], cancellationToken).ConfigureAwait(false);
        if (result.Succeeded)
        {
            Log.Stopped(_logger, ClusterDirectory);
            return null;
        }

        Log.StopFailed(_logger, ClusterDirectory, result.Output.Trim());
        return $"pg_ctl stop failed (exit code {result.ExitCode}): {result.Output.Trim()}";
    }

    /// <summary>Starts the server on this instance's port; null once it accepts connections, else why not.</summary>
    internal async Task<string?> StartServerAsync(CancellationToken cancellationToken)
    {
        await HandleLeftoverServerAsync(cancellationToken).ConfigureAwait(false);

        var logFile = Path.Combine(RootDirectory, "postgres.log");

        // The log can hold connection details and query fragments: only its owner reads it.
        if (!File.Exists(logFile))
        {
            await File.WriteAllTextAsync(logFile, string.Empty, cancellationToken).ConfigureAwait(false);
        }

        File.SetUnixFileMode(logFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        if (_runAsSystemUser)
        {

            await ChownAsync(logFile, recursive: false, cancellationToken).ConfigureAwait(false);
        }

        var logStart = File.Exists(logFile) ? new FileInfo(logFile).Length : 0;
        var serverOptions = string.Create(CultureInfo.InvariantCulture,
            $"-p {Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=200 -c fsync=on");
        var result = await RunPostgresToolAsync(
            "pg_ctl",
            ["start", "-D", ClusterDirectory, "-l", logFile, "-w", "-t", "60", "-o", serverOptions],
            cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            var tail = ReadLogTail(logFile, logStart, lines: 20);
            return $"the embedded PostgreSQL failed to start (pg_ctl exit code {result.ExitCode}).{Environment.NewLine}" +
                $"pg_ctl said: {result.Output.Trim()}{Environment.NewLine}" +
                $"last lines of {logFile}:{Environment.NewLine}{tail}";
        }

        // pg_ctl -w returns once the postmaster reports ready; a short retry covers the gap before
        // it accepts TCP connections on a loaded machine.
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(ConnectionStringFor("postgres"));
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                return null;
            }
            catch (NpgsqlException) when (TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
            }
            catch (NpgsqlException e)
            {
                return $"the embedded PostgreSQL started but refuses connections: {e.Message}";
            }
        }
    }

    /// <summary>
    /// A crash (or SIGKILL of the server) leaves <c>postmaster.pid</c> behind, sometimes with the
    /// postmaster still running. A live leftover is stopped so this process owns the server it uses;
    /// a dead one's lock file is removed so a recycled PID cannot block the start.
    /// </summary>
    private async Task HandleLeftoverServerAsync(CancellationToken cancellationToken)
    {
        var pidFile = Path.Combine(ClusterDirectory, "postmaster.pid");
        if (!File.Exists(pidFile))
        {
            return;
        }

        var firstLine = (await File.ReadAllLinesAsync(pidFile, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
        if (int.TryParse(firstLine, NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) && IsPostgresProcess(pid))
        {
            Log.StoppingLeftover(_logger, pid, ClusterDirectory);
            var stop = await RunPostgresToolAsync("pg_ctl", ["stop", "-D", ClusterDirectory, "-m", "fast", "-w", "-t", "60"], cancellationToken).ConfigureAwait(false);
            if (stop.Succeeded)
            {
                return;
            }
        }

        if (File.Exists(pidFile))
        {
            Log.RemovingStalePidFile(_logger, pidFile);
            File.Delete(pidFile);
        }
    }

    private static bool IsPostgresProcess(int pid)
    {
        try
        {
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
            return cmdline.Contains("postgres", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static async Task<(string? Password, string? Error)> EnsureClusterAsync(
        string root, string binDirectory, bool runAsSystemUser, ILogger logger, CancellationToken cancellationToken)
    {
        var cluster = Path.Combine(root, "postgres");
        var passwordFile = Path.Combine(root, "postgres.password");

        if (File.Exists(Path.Combine(cluster, "PG_VERSION")))
        {
            if (!File.Exists(passwordFile))
            {
                return (null, $"the embedded PostgreSQL in {cluster} exists but its password file {passwordFile} is missing. " +
                    $"Restore the file, or remove {cluster} to start with an empty database (this deletes all data).");
            }

            return ((await File.ReadAllTextAsync(passwordFile, cancellationToken).ConfigureAwait(false)).Trim(), null);
        }

        if (Directory.Exists(cluster) && Directory.EnumerateFileSystemEntries(cluster).Any())
        {
            return (null, $"{cluster} exists but is not a PostgreSQL data directory; move it away or choose another --data-dir.");
        }

        Log.Initializing(logger, cluster);
        var password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        try
        {
            await File.WriteAllTextAsync(passwordFile, password, cancellationToken).ConfigureAwait(false);
            File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"cannot write to the data directory {root}: {e.Message}. Pass --data-dir with a directory this user can write.");
        }

        Directory.CreateDirectory(cluster);
        File.SetUnixFileMode(cluster, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var passwordInput = Path.Combine(root, $".initdb-pw-{Environment.ProcessId}");
        await File.WriteAllTextAsync(passwordInput, password, cancellationToken).ConfigureAwait(false);
        File.SetUnixFileMode(passwordInput, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        try
        {
            if (runAsSystemUser)
            {
                await ChownAsync(cluster, recursive: true, cancellationToken).ConfigureAwait(false);
                await ChownAsync(passwordInput, recursive: false, cancellationToken).ConfigureAwait(false);
            }

            var initdb = await RunAsync(binDirectory, runAsSystemUser, "initdb",
                ["-D", cluster, "-U", SuperUser, $"--pwfile={passwordInput}", "--auth-host=scram-sha-256", "--auth-local=peer",
                 "-E", "UTF8", "--no-locale", "--no-instructions"],
                cancellationToken).ConfigureAwait(false);
            if (!initdb.Succeeded)
            {
                File.Delete(passwordFile);
                TryDeleteDirectory(cluster);
                return (null, $"initdb failed in {cluster} (exit code {initdb.ExitCode}): {initdb.Output.Trim()}");
            }
        }
        finally
        {
            File.Delete(passwordInput);
        }

        return (password, null);
    }

    private static async Task<string?> PrepareForSystemUserAsync(string root, ILogger logger, CancellationToken cancellationToken)
    {
        var id = await ProcessRunner.RunAsync("id", ["-u", SystemUser], cancellationToken).ConfigureAwait(false);
        if (!id.Succeeded)
        {
            return "outpost server is running as root, and PostgreSQL refuses to run as root, so the embedded PostgreSQL " +
                $"runs as the '{SystemUser}' system user, which does not exist here. Create it (installing PostgreSQL does), " +
                "run the server as a regular user, or pass --postgres-url.";
        }

        // The postgres user must be able to reach the cluster: grant search (not read) on each
        // ancestor that lacks it, as an administrator would by hand, and say so.
        for (var dir = Path.GetDirectoryName(Path.Combine(root, "postgres")); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            var mode = File.GetUnixFileMode(dir);
            if ((mode & UnixFileMode.OtherExecute) == 0)
            {
                File.SetUnixFileMode(dir, mode | UnixFileMode.OtherExecute);
                Log.GrantedSearch(logger, dir);
            }
        }

        return null;
    }

    private Task<ProcessResult> RunPostgresToolAsync(string program, IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        RunAsync(_binDirectory, _runAsSystemUser, program, arguments, cancellationToken);

    private static Task<ProcessResult> RunAsync(string binDirectory, bool runAsSystemUser, string program, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var path = Path.Combine(binDirectory, program);
        return runAsSystemUser
            ? ProcessRunner.RunAsync("runuser", ["-u", SystemUser, "--", path, .. arguments], cancellationToken)
            : ProcessRunner.RunAsync(path, arguments, cancellationToken);
    }

    private static async Task ChownAsync(string path, bool recursive, CancellationToken cancellationToken)
    {
        string[] args = recursive ? ["-R", $"{SystemUser}:{SystemUser}", path] : [$"{SystemUser}:{SystemUser}", path];
        var result = await ProcessRunner.RunAsync("chown", args, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new IOException($"chown {path} failed: {result.Output.Trim()}");
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string ReadLogTail(string logFile, long from, int lines)
    {
        try
        {
            using var stream = new FileStream(logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            stream.Seek(Math.Min(from, stream.Length), SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return string.Join(Environment.NewLine, all.TakeLast(lines).Select(l => "  " + l));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"  (the log could not be read: {e.Message})";
        }
    }

    private static void TryDeleteDirectory(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the error that made us clean up is the one worth reporting.
        }
    }
}
