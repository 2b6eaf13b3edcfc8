namespace Outpost.Server.Database;

/// <summary>Finds the machine's PostgreSQL server programs (initdb and pg_ctl).</summary>
internal static class PostgresBinaries
{
    public const string NotFoundMessage =
        "no PostgreSQL server programs (initdb, pg_ctl) were found on this machine. Either install PostgreSQL " +
        "(for example `apt-get install postgresql`) so the server can run an embedded database, or pass " +
        "--postgres-url (or OUTPOST_PG_CONNECTION_URL) to use an existing PostgreSQL server.";

    /// <summary>
    /// The directory holding initdb and pg_ctl: <c>OUTPOST_PG_BINDIR</c>, else <c>pg_config --bindir</c>,
    /// else the newest <c>/usr/lib/postgresql/*/bin</c>; null when none has both programs.
    /// </summary>
    public static async Task<string?> LocateAsync(string? overrideDirectory, CancellationToken cancellationToken)
    {
        if (overrideDirectory is not null)
        {
            return HasServerPrograms(overrideDirectory) ? overrideDirectory : null;
        }

        var fromPgConfig = await ProcessRunner.RunAsync("pg_config", ["--bindir"], cancellationToken).ConfigureAwait(false);
        if (fromPgConfig.Succeeded)
        {
            var dir = fromPgConfig.Output.Trim();
            if (HasServerPrograms(dir))
            {
                return dir;
            }
        }

        const string DebianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(DebianRoot))
        {
            var candidates = Directory.GetDirectories(DebianRoot)
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: double.TryParse(Path.GetFileName(d), System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : 0))
                .OrderByDescending(c => c.Version);
            foreach (var candidate in candidates)
            {
                if (HasServerPrograms(candidate.Dir))
                {
                    return candidate.Dir;
                }
            }
        }

        return null;
    }

    private static bool HasServerPrograms(string dir) =>
        File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")) && File.Exists(Path.Combine(dir, "postgres"));
}
