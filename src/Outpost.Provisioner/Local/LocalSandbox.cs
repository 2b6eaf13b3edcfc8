namespace Outpost.Provisioner.Local;

/// <summary>
/// How the local provisioner isolates a workspace: its agent (and so every script and process of
/// the workspace) runs inside a bubblewrap sandbox that sees the read-only system, a private
/// <c>/tmp</c>, its own process namespace and its own workspace directory, but never the
/// directories in <see cref="HiddenDirectories"/> (the server's data directory, with every other
/// workspace). When the daemon runs as root the sandbox also drops to <see cref="Uid"/>:<see cref="Gid"/>.
/// The network is shared, so the agent reaches the server.
/// </summary>
public sealed record LocalSandbox
{
    /// <summary>The uid and gid of <c>nobody</c>/<c>nogroup</c> on Debian and most distributions.</summary>
    public const int NobodyId = 65534;

    /// <summary>bubblewrap's path; null means "refuse": <see cref="RefusalReason"/> says why.</summary>
    public string? Bubblewrap { get; init; }

    /// <summary>Why local workspaces cannot start (bubblewrap is missing and the operator did not opt out).</summary>
    public string? RefusalReason { get; init; }

    /// <summary>setpriv's path, used to drop root before entering the sandbox.</summary>
    public string? Setpriv { get; init; }

    /// <summary>The user the workspace runs as when the daemon is root; null keeps the daemon's user.</summary>
    public int? Uid { get; init; }

    public int? Gid { get; init; }

    public IReadOnlyList<string> HiddenDirectories { get; init; } = [];

    public static string? FindBubblewrap() => new[] { "/usr/bin/bwrap", "/bin/bwrap", "/usr/local/bin/bwrap" }.FirstOrDefault(File.Exists);

    /// <summary>The sandbox for a daemon whose server keeps its data in <paramref name="dataDirectory"/>; refusing when bubblewrap is missing.</summary>
    public static LocalSandbox Create(string dataDirectory)
    {
        var bubblewrap = FindBubblewrap();
        if (bubblewrap is null)
        {
            return new LocalSandbox
            {
                RefusalReason = "local workspaces run inside a bubblewrap sandbox, and bubblewrap is not installed on the server "
                    + "(apt-get install bubblewrap); or start the server with --local-provisioner-unsandboxed to run them without isolation",
            };
        }

        var root = System.Environment.IsPrivilegedProcess;
        return new LocalSandbox
        {
            Bubblewrap = bubblewrap,
            Setpriv = root ? new[] { "/usr/bin/setpriv", "/bin/setpriv" }.FirstOrDefault(File.Exists) : null,
            Uid = root ? NobodyId : null,
            Gid = root ? NobodyId : null,
            HiddenDirectories = [Path.GetFullPath(dataDirectory)],
        };
    }

    /// <summary>The argv that runs <paramref name="command"/> inside the sandbox of <paramref name="workspace"/>.</summary>
    public IReadOnlyList<string> Wrap(IReadOnlyList<string> command, string workspace)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (Bubblewrap is null)
        {
            throw new InvalidOperationException(RefusalReason ?? "no sandbox");
        }

        var argv = new List<string>();
        if (Uid is { } uid && Gid is { } gid)
        {
            if (Setpriv is null)
            {
                throw new InvalidOperationException("the daemon runs as root but setpriv (util-linux) is missing, so the workspace cannot drop to an unprivileged user");
            }

            argv.AddRange([Setpriv, $"--reuid={uid}", $"--regid={gid}", "--clear-groups", "--"]);
        }

        argv.AddRange([Bubblewrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--unshare-pid", "--unshare-ipc", "--unshare-uts"]);
        // The agent's own program (the command, or the .dll dotnet runs) may live under /tmp or a hidden directory (a build tree, a test run):
        // its directory comes back read-only, or the sandbox could not start the agent at all. Before the
        // hidden directories, so one inside it stays hidden.
        foreach (var directory in command.Where((arg, i) => (i == 0 || arg.EndsWith(".dll", StringComparison.Ordinal)) && Path.IsPathRooted(arg) && File.Exists(arg))
            .Select(Path.GetDirectoryName).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            argv.AddRange(["--ro-bind", directory, directory]);
        }

        foreach (var hidden in HiddenDirectories)
        {
            argv.AddRange(["--tmpfs", hidden]);
        }

        argv.AddRange(["--bind", workspace, workspace, "--chdir", workspace, "--setenv", "HOME", workspace, "--"]);

        // The launcher starts bubblewrap with SIGTERM, SIGINT and SIGHUP ignored so a signal reaches only the agent
        // (AgentProcesses.SandboxLauncher); the agent must not inherit that, or a shell agent could not even trap them.
        if (Sdk.SystemPrograms.Env is { } env)
        {
            argv.AddRange([env, "--default-signal=TERM,INT,HUP"]);
        }

        argv.AddRange(command);
        return argv;
    }

    /// <summary>Gives the sandbox's user a path the daemon created (no-op unless the sandbox changes user).</summary>
    public void GiveToWorkspaceUser(string path)
    {
        if (Uid is { } uid && Gid is { } gid && NativeProcess.ChangeOwner(path, uid, gid) is { } error)
        {
            throw new IOException($"cannot give {path} to uid {uid}: {error}");
        }
    }
}
