using System.Runtime.InteropServices;
using System.Text;

namespace Outpost.Agent.Sessions;

/// <summary>
/// A session's process, started with posix_spawn in a new session (<c>POSIX_SPAWN_SETSID</c>), so it leads its
/// own process group and — for a PTY — opening the terminal's slave makes it the controlling terminal (glibc
/// runs setsid before the file actions). Signals the runtime ignores (SIGPIPE) are reset to their defaults.
/// </summary>
internal sealed unsafe class ChildProcess
{
    private readonly Task<int> _exit;

    private ChildProcess(int pid)
    {
        Pid = pid;
        _exit = Task.Factory.StartNew(Wait, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    public int Pid { get; }

    /// <summary>The raw wait status once the process has ended (and been reaped).</summary>
    public Task<int> Exited => _exit;

    /// <summary>Signals the process's whole group (it leads one); false when it is gone.</summary>
    public bool SignalGroup(int signal) => Libc.kill(-Pid, signal) == 0;

    /// <summary>Exit code or signal name from a wait status.</summary>
    public static (int? Code, int? Signal) Decode(int status) =>
        (status & 0x7f) == 0 ? ((status >> 8) & 0xff, null) : (null, status & 0x7f);

    /// <summary>Starts a process on a new pseudo-terminal; returns it and the master side.</summary>
    public static (ChildProcess Process, int Master) SpawnPty(string file, IReadOnlyList<string> argv, IReadOnlyList<string> environment, string directory, int rows, int cols)
    {
        var size = new Libc.WinSize { Rows = (ushort)rows, Cols = (ushort)cols };
        var name = stackalloc byte[4096];
        if (Libc.openpty(out var master, out var slave, name, 0, ref size) != 0)
        {
            throw new IOException($"openpty failed (errno {Marshal.GetLastPInvokeError()})");
        }

        // Neither end may leak into processes spawned concurrently by the runtime.
        _ = Libc.fcntl(master, Libc.FSetfd, Libc.FdCloexec);
        _ = Libc.fcntl(slave, Libc.FSetfd, Libc.FdCloexec);
        try
        {
            var process = Spawn(file, searchPath: false, argv, environment, directory, actions =>
            {
                // Opened, not dup'ed: a session leader without a terminal gets the first one it opens.
                _ = Libc.posix_spawn_file_actions_addopen(actions, 0, name, Libc.ORdwr, 0);
                _ = Libc.posix_spawn_file_actions_adddup2(actions, 0, 1);
                _ = Libc.posix_spawn_file_actions_adddup2(actions, 0, 2);
            });
            return (process, master);
        }
        catch
        {
            _ = Libc.close(master);
            throw;
        }
        finally
        {
            _ = Libc.close(slave);
        }
    }

    /// <summary>Starts a process with three pipes; returns it and the parent's ends (stdin to write, stdout and stderr to read).</summary>
    public static (ChildProcess Process, int Stdin, int Stdout, int Stderr) SpawnPiped(string file, IReadOnlyList<string> argv, IReadOnlyList<string> environment, string directory)
    {
        var fds = stackalloc int[6];
        for (var i = 0; i < 3; i++)
        {
            if (Libc.pipe2(fds + (2 * i), Libc.OCloexec) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                for (var j = 0; j < 2 * i; j++)
                {
                    _ = Libc.close(fds[j]);
                }

                throw new IOException($"pipe2 failed (errno {errno})");
            }
        }

        var (stdinRead, stdinWrite, stdoutRead, stdoutWrite, stderrRead, stderrWrite) = (fds[0], fds[1], fds[2], fds[3], fds[4], fds[5]);
        try
        {
            var process = Spawn(file, searchPath: true, argv, environment, directory, actions =>
            {
                _ = Libc.posix_spawn_file_actions_adddup2(actions, stdinRead, 0);
                _ = Libc.posix_spawn_file_actions_adddup2(actions, stdoutWrite, 1);
                _ = Libc.posix_spawn_file_actions_adddup2(actions, stderrWrite, 2);
            });
            return (process, stdinWrite, stdoutRead, stderrRead);
        }
        catch
        {
            _ = Libc.close(stdinWrite);
            _ = Libc.close(stdoutRead);
            _ = Libc.close(stderrRead);
            throw;
        }
        finally
        {
            _ = Libc.close(stdinRead);
            _ = Libc.close(stdoutWrite);
            _ = Libc.close(stderrWrite);
        }
    }

    private static ChildProcess Spawn(string file, bool searchPath, IReadOnlyList<string> argv, IReadOnlyList<string> environment, string directory, Action<nint> fileActions)
    {
        var attr = (nint)NativeMemory.AllocZeroed(Libc.SpawnAttrBytes);
        var actions = (nint)NativeMemory.AllocZeroed(Libc.FileActionsBytes);
        var mask = (nint)NativeMemory.AllocZeroed(Libc.SigSetBytes);
        var defaults = (nint)NativeMemory.AllocZeroed(Libc.SigSetBytes);
        var strings = new List<nint>();
        try
        {
            _ = Libc.posix_spawnattr_init(attr);
            _ = Libc.posix_spawn_file_actions_init(actions);
            _ = Libc.sigemptyset(mask);
            _ = Libc.sigfillset(defaults);
            _ = Libc.posix_spawnattr_setsigmask(attr, mask);
            _ = Libc.posix_spawnattr_setsigdefault(attr, defaults);
            _ = Libc.posix_spawnattr_setflags(attr, (short)(Libc.SpawnSetSid | Libc.SpawnSetSigMask | Libc.SpawnSetSigDef));
            fileActions(actions);
            var dir = Utf8(directory, strings);
            _ = Libc.posix_spawn_file_actions_addchdir_np(actions, (byte*)dir);

            var args = NullTerminated(argv, strings);
            var env = NullTerminated(environment, strings);
            var path = (byte*)Utf8(file, strings);
            int pid;
            var error = searchPath
                ? Libc.posix_spawnp(out pid, path, actions, attr, (byte**)args, (byte**)env)
                : Libc.posix_spawn(out pid, path, actions, attr, (byte**)args, (byte**)env);
            if (error != 0)
            {
                throw new SpawnException(file, error);
            }

            return new ChildProcess(pid);
        }
        finally
        {
            _ = Libc.posix_spawn_file_actions_destroy(actions);
            _ = Libc.posix_spawnattr_destroy(attr);
            foreach (var s in strings)
            {
                NativeMemory.Free((void*)s);
            }

            NativeMemory.Free((void*)attr);
            NativeMemory.Free((void*)actions);
            NativeMemory.Free((void*)mask);
            NativeMemory.Free((void*)defaults);
        }
    }

    private static nint Utf8(string value, List<nint> owned)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        var memory = (byte*)NativeMemory.Alloc((nuint)count + 1);
        Encoding.UTF8.GetBytes(value, new Span<byte>(memory, count));
        memory[count] = 0;
        owned.Add((nint)memory);
        return (nint)memory;
    }

    private static nint NullTerminated(IReadOnlyList<string> values, List<nint> owned)
    {
        var array = (nint*)NativeMemory.AllocZeroed((nuint)(values.Count + 1), (nuint)sizeof(nint));
        owned.Add((nint)array);
        for (var i = 0; i < values.Count; i++)
        {
            array[i] = Utf8(values[i], owned);
        }

        return (nint)array;
    }

    private int Wait()
    {
        while (true)
        {
            if (Libc.waitpid(Pid, out var status, 0) == Pid)
            {
                return status;
            }

            if (Marshal.GetLastPInvokeError() != Libc.EINTR)
            {
                // ECHILD: someone else reaped it; nothing more can be known.
                return 255 << 8;
            }
        }
    }
}

/// <summary>posix_spawn refused (the program is missing, not executable, the directory is missing…).</summary>
internal sealed class SpawnException(string file, int errno)
    : IOException(errno switch
    {
        2 => $"{file}: no such file or directory",
        13 => $"{file}: permission denied",
        20 => $"{file}: not a directory in the path",
        _ => $"{file}: could not start (errno {errno})",
    })
{
    public int Errno { get; } = errno;
}
