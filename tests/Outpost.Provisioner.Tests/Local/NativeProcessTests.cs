using System.Diagnostics;
using System.Globalization;
using Outpost.Provisioner.Local;
using Outpost.Testing;

namespace Outpost.Provisioner.Tests.Local;

public sealed class NativeProcessTests
{
    [Fact]
    public async Task Waiting_for_a_process_that_is_not_our_child_completes_when_it_exits()
    {
        // The shell starts sleep in the background and exits: sleep is a grandchild, as an agent
        // started by an earlier server is to a new one.
        using var shell = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "sleep 300 >/dev/null 2>&1 & echo $!"]) { RedirectStandardOutput = true })!;
        var pid = int.Parse((await shell.StandardOutput.ReadLineAsync().WithTimeout(TestTimeouts.Short))!, CultureInfo.InvariantCulture);
        await shell.WaitForExitAsync().WithTimeout(TestTimeouts.Short);
        var startTime = ProcessIdentity.StartTime(pid);
        Assert.NotNull(startTime);

        var exited = NativeProcess.WaitForExitAsync(pid, TestTimeouts.Token());
        Assert.False(exited.IsCompleted);
        Assert.True(NativeProcess.Signal(pid, NativeProcess.SigTerm));

        await exited.WithTimeout(TestTimeouts.Short);
        Assert.Null(ProcessIdentity.StartTime(pid));
    }

    [Fact]
    public void A_pid_with_no_process_has_no_start_time()
    {
        Assert.Null(ProcessIdentity.StartTime(int.MaxValue));
        Assert.Null(ProcessIdentity.StartTime(0));
        Assert.NotNull(ProcessIdentity.StartTime(System.Environment.ProcessId));
    }
}
