using System.Runtime.InteropServices;

namespace Outpost.Agent.Sessions;

/// <summary>
/// The libc calls the data plane needs and .NET does not offer: pseudo-terminals, posix_spawn with a new
/// session, waitpid with the real status (exit code or signal), process-group signals and raw fd I/O.
/// Linux (glibc) numbers; the agent refuses PTY sessions elsewhere.
/// </summary>
internal static unsafe partial class Libc
{
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int EAGAIN = 11;
    public const int ORdwr = 2;
    public const int ONoctty = 0x100;
    public const int OCloexec = 0x80000;
    public const int FSetfd = 2;
    public const int FdCloexec = 1;
    public const ulong TIOCSWINSZ = 0x5414;
    public const short PollIn = 0x1;
    public const short PollOut = 0x4;
    public const short PollHup = 0x10;
    public const short PollErr = 0x8;

    // posix_spawn attribute flags (glibc <spawn.h>).
    public const short SpawnSetSigDef = 0x04;
    public const short SpawnSetSigMask = 0x08;
    public const short SpawnSetSid = 0x80;

    // Generous upper bounds of glibc's opaque types (336, 80 and 128 bytes on x86_64 and arm64).
    public const int SpawnAttrBytes = 1024;
    public const int FileActionsBytes = 1024;
    public const int SigSetBytes = 256;

    [StructLayout(LayoutKind.Sequential)]
    public struct WinSize
    {
        public ushort Rows;
        public ushort Cols;
        public ushort XPixel;
        public ushort YPixel;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial int openpty(out int master, out int slave, byte* name, nint termp, ref WinSize winp);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int posix_spawn(out int pid, byte* path, nint fileActions, nint attr, byte** argv, byte** envp);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int posix_spawnp(out int pid, byte* file, nint fileActions, nint attr, byte** argv, byte** envp);

    [LibraryImport("libc")]
    public static partial int posix_spawn_file_actions_init(nint actions);

    [LibraryImport("libc")]
    public static partial int posix_spawn_file_actions_destroy(nint actions);

    [LibraryImport("libc")]
    public static partial int posix_spawn_file_actions_addopen(nint actions, int fd, byte* path, int flags, uint mode);

    [LibraryImport("libc")]
    public static partial int posix_spawn_file_actions_adddup2(nint actions, int fd, int newFd);

    [LibraryImport("libc")]
    public static partial int posix_spawn_file_actions_addchdir_np(nint actions, byte* path);

    [LibraryImport("libc")]
    public static partial int posix_spawnattr_init(nint attr);

    [LibraryImport("libc")]
    public static partial int posix_spawnattr_destroy(nint attr);

    [LibraryImport("libc")]
    public static partial int posix_spawnattr_setflags(nint attr, short flags);

    [LibraryImport("libc")]
    public static partial int posix_spawnattr_setsigmask(nint attr, nint sigset);

    [LibraryImport("libc")]
    public static partial int posix_spawnattr_setsigdefault(nint attr, nint sigset);

    [LibraryImport("libc")]
    public static partial int sigemptyset(nint set);

    [LibraryImport("libc")]
    public static partial int sigfillset(nint set);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int waitpid(int pid, out int status, int options);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int kill(int pid, int signal);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int dup(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int ioctl(int fd, ulong request, ref WinSize size);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fcntl(int fd, int command, int argument);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int pipe2(int* fds, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int poll(ref PollFd fds, nuint count, int timeout);

    [LibraryImport("libc")]
    public static partial uint getuid();
}
