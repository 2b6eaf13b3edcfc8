using System.Runtime.InteropServices;

namespace Outpost.Provisioner.Local;

/// <summary>What .NET does not offer: sending a signal other than SIGKILL, and waiting for a process that is not our child.</summary>
internal static partial class NativeProcess
{
    public const int SigInt = 2;
    public const int SigTerm = 15;
    public const int SigKill = 9;

    // pidfd_open has the same number on every Linux architecture (it is newer than the unified table).
    private const long PidfdOpenSyscall = 434;
    private const short PollIn = 0x1;

    /// <summary>True when the signal was delivered; false when the process no longer exists.</summary>
    public static bool Signal(int pid, int signal) => kill(pid, signal) == 0;

    /// <summary>
    /// Completes when the process exits, whether or not it is our child (an agent started by an
    /// earlier server is not): Linux signals a pidfd when its process terminates, reaped or not.
    /// Where pidfds are missing (macOS, old kernels) it falls back to the runtime's own wait.
    /// </summary>
    public static Task WaitForExitAsync(int pid, CancellationToken cancellationToken)
    {
        var fd = OperatingSystem.IsLinux() ? PidfdOpen(pid) : -1;
        if (fd < 0)
        {
            return FallbackWaitAsync(pid, cancellationToken);
        }

        return Task.Factory.StartNew(() =>
        {
            try
            {
                var entry = new PollFd { Fd = fd, Events = PollIn };
                while (!cancellationToken.IsCancellationRequested)
                {
                    // Short slices only so that cancellation is noticed; the wake-up itself is the kernel's event.
                    if (poll(ref entry, 1, 200) > 0)
                    {
                        return;
                    }
                }

                cancellationToken.ThrowIfCancellationRequested();
            }
            finally
            {
                _ = close(fd);
            }
        }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private static int PidfdOpen(int pid)
    {
        try
        {
            return (int)syscall(PidfdOpenSyscall, pid, 0);
        }
        catch (EntryPointNotFoundException)
        {
            return -1;
        }
    }

    private static async Task FallbackWaitAsync(int pid, CancellationToken cancellationToken)
    {
        System.Diagnostics.Process process;
        try
        {
            process = System.Diagnostics.Process.GetProcessById(pid);
        }
        catch (ArgumentException)
        {
            return;
        }

        using (process)
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    /// <summary>chown(2); null on success, else the error.</summary>
    public static string? ChangeOwner(string path, int uid, int gid) =>
        chown(path, uid, gid) == 0 ? null : new System.ComponentModel.Win32Exception(Marshal.GetLastPInvokeError()).Message;

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int chown(string path, int owner, int group);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);

    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, int pid, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int poll(ref PollFd fds, nuint count, int timeout);

    [LibraryImport("libc")]
    private static partial int close(int fd);
}
