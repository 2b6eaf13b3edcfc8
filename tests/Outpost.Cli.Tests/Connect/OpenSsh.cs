using System.Diagnostics;
using System.Text;
using Outpost.Testing;

namespace Outpost.Cli.Tests.Connect;

/// <summary>
/// The real OpenSSH programs for the end-to-end tests: generated host and user keys, a private <c>sshd</c>
/// configuration for the current user, and <c>ssh</c>/<c>scp</c> runs with a generated client configuration.
/// </summary>
internal sealed class OpenSsh : IDisposable
{
    public const string Sshd = "/usr/sbin/sshd";

    private readonly IReadOnlyDictionary<string, string?> _environment;

    private OpenSsh(string directory, IReadOnlyDictionary<string, string?> environment)
    {
        Directory = directory;
        _environment = environment;
    }

    public string Directory { get; }

    public string SshdConfig => Path.Combine(Directory, "sshd_config");

    public string ClientConfig => Path.Combine(Directory, "ssh_config");

    /// <summary>Keys and both configurations; the client configuration's hosts come from <c>outpost config-ssh</c> afterwards.</summary>
    public static async Task<OpenSsh> CreateAsync(int port, IReadOnlyDictionary<string, string?> environment)
    {
        var ssh = new OpenSsh(System.IO.Directory.CreateTempSubdirectory("outpost-openssh-").FullName, environment);
        var hostKey = Path.Combine(ssh.Directory, "host_ed25519");
        var userKey = Path.Combine(ssh.Directory, "user_ed25519");
        foreach (var key in new[] { hostKey, userKey })
        {
            var keygen = await RunAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", string.Empty, "-C", "outpost-test", "-f", key], environment);
            Assert.True(keygen.ExitCode == 0, keygen.Stderr);
        }

        File.Copy(userKey + ".pub", Path.Combine(ssh.Directory, "authorized_keys"));
        await File.WriteAllTextAsync(ssh.SshdConfig, $"""
            Port {port}
            ListenAddress 127.0.0.1
            HostKey {hostKey}
            AuthorizedKeysFile {Path.Combine(ssh.Directory, "authorized_keys")}
            PidFile {Path.Combine(ssh.Directory, "sshd.pid")}
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes no
            AllowTcpForwarding yes
            Subsystem sftp internal-sftp

            """);
        await File.WriteAllTextAsync(ssh.ClientConfig, $"""
            Host outpost.*
              User {Environment.UserName}
              IdentityFile {userKey}
              IdentitiesOnly yes
              BatchMode yes

            """);
        if (Environment.UserName == "root")
        {
            // sshd started by root separates privileges into this directory (the package creates it at boot only).
            System.IO.Directory.CreateDirectory("/run/sshd");
        }

        return ssh;
    }

    /// <summary><c>ssh -F CONFIG ARGS…</c> (or <c>scp</c>), stdin closed unless given.</summary>
    public Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string program, params string[] arguments) =>
        RunAsync(program, ["-F", ClientConfig, .. arguments], _environment);

    /// <summary>Starts <c>ssh -F CONFIG ARGS…</c> with stdin open, for a session that lasts.</summary>
    public Started Start(params string[] arguments) => new(Process.Start(StartInfo("ssh", ["-F", ClientConfig, .. arguments], _environment))!);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string program, string[] arguments, IReadOnlyDictionary<string, string?> environment)
    {
        using var process = Process.Start(StartInfo(program, arguments, environment))!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WithTimeout(TimeSpan.FromMinutes(2));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    private static ProcessStartInfo StartInfo(string program, string[] arguments, IReadOnlyDictionary<string, string?> environment)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["OUTPOST_TELEMETRY"] = "off";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return start;
    }

    /// <summary>A running <c>ssh</c>: its output lines can be waited for; closing its stdin ends a remote <c>read</c>.</summary>
    internal sealed class Started : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
        private readonly TaskCompletionSource<string> _line = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Lock _gate = new();
        private string? _awaited;

        public Started(Process process)
        {
            _process = process;
            process.OutputDataReceived += (_, e) => OnLine(e.Data);
            process.ErrorDataReceived += (_, e) => OnLine(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public string Output
        {
            get
            {
                lock (_gate)
                {
                    return _output.ToString();
                }
            }
        }

        /// <summary>Completes when a line equal to <paramref name="line"/> appears (one wait at a time).</summary>
        public Task<string> WaitForLineAsync(string line)
        {
            lock (_gate)
            {
                _awaited = line;
                if (_output.ToString().Split('\n').Contains(line))
                {
                    _line.TrySetResult(line);
                }
            }

            return _line.Task.WithTimeout();
        }

        public async Task<int> CloseInputAndWaitAsync()
        {
            _process.StandardInput.Close();
            await _process.WaitForExitAsync().WithTimeout();
            return _process.ExitCode;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.Dispose();
        }

        private void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_gate)
            {
                _output.Append(line).Append('\n');
                if (line == _awaited)
                {
                    _line.TrySetResult(line);
                }
            }
        }
    }
}
