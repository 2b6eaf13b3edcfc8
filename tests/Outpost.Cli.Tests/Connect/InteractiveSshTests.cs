using System.Diagnostics;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Connect;

/// <summary>The interactive <c>outpost ssh</c> in a real terminal: tmux drives it (send-keys) and reads the screen (capture-pane).</summary>
public sealed class InteractiveSshTests(LocalWorkspacesFixture server) : IClassFixture<LocalWorkspacesFixture>
{
    [Fact]
    public async Task Interactive_ssh_in_tmux_runs_echo_and_exits_with_the_shell()
    {
        Assert.True(File.Exists("/usr/bin/tmux"), "this test needs tmux (Debian package tmux)");

        using var cli = new TestCli();
        Assert.Equal(0, (await cli.RunAsync("login", server.BaseAddress.ToString(), "--email", ClockedServerFixture.OwnerEmail, "--password", ClockedServerFixture.OwnerPassword)).ExitCode);
        Assert.Equal(0, (await cli.RunAsync("templates", "push", "local-starter", "--directory", LocalWorkspacesFixture.LocalStarterDirectory, "--yes")).ExitCode);
        var create = await cli.RunAsync("create", "tmuxdev", "--template", "local-starter", "--yes", "--wait");
        Assert.True(create.ExitCode == 0, create.Stderr);

        var tmuxSocket = $"outpost-test-{Guid.NewGuid():N}";
        var environment = string.Join(' ', cli.Environment.Where(p => p.Value is not null).Select(p => $"{p.Key}='{p.Value}'"));
        var command = $"env {environment} OUTPOST_TELEMETRY=off dotnet '{Path.Combine(AppContext.BaseDirectory, "outpost.dll")}' ssh tmuxdev; echo OUTPOST-EXITED-$?; sleep 60";
        try
        {
            await TmuxAsync(tmuxSocket, "new-session", "-d", "-x", "120", "-y", "40", command);
            await TmuxAsync(tmuxSocket, "send-keys", "echo hi-$((6*7))", "Enter");
            Assert.Contains("hi-42", await ScreenWhenAsync(tmuxSocket, "hi-42"), StringComparison.Ordinal);

            await TmuxAsync(tmuxSocket, "send-keys", "exit 4", "Enter");
            Assert.Contains("OUTPOST-EXITED-4", await ScreenWhenAsync(tmuxSocket, "OUTPOST-EXITED-"), StringComparison.Ordinal);
        }
        finally
        {
            await TmuxAsync(tmuxSocket, "kill-server");
        }
    }

    private static async Task<string> ScreenWhenAsync(string socket, string text)
    {
        // tmux has no event for "the screen shows X": poll the pane, bounded.
        var screen = string.Empty;
        for (var deadline = DateTime.UtcNow + TestTimeouts.Default; DateTime.UtcNow < deadline; await Task.Delay(200))
        {
            screen = await TmuxAsync(socket, "capture-pane", "-p");
            if (screen.Contains(text, StringComparison.Ordinal))
            {
                return screen;
            }
        }

        return screen;
    }

    private static async Task<string> TmuxAsync(string socket, params string[] arguments)
    {
        var start = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-L");
        start.ArgumentList.Add(socket);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync().WithTimeout();
        await process.WaitForExitAsync().WithTimeout();
        return output;
    }
}
