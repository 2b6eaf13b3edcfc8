using System.Diagnostics;
using System.Text;

namespace Outpost.Testing;

/// <summary>
/// A real <c>outpost</c> process (the CLI assembly copied next to the tests), with its output
/// captured line by line so a test can wait for a line instead of sleeping.
/// </summary>
public sealed class OutpostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _waiters = [];
    private readonly Lock _gate = new();

    private OutpostProcess(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

    public string StandardOutput
    {
        get
        {
            lock (_gate)
            {
                return _stdout.ToString();
            }
        }
    }

    public string StandardError
    {
        get
        {
            lock (_gate)
            {
                return _stderr.ToString();
            }
        }
    }

    private const string EnvProgram = "/usr/bin/env";

    public static OutpostProcess Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "outpost.dll");
        if (!File.Exists(cli))
        {
            throw new InvalidOperationException($"{cli} is missing; the test project must reference src/Outpost.Cli.");
        }

        // A test run started in the background by a non-interactive shell (`.ci/run &`) has SIGINT ignored, every
        // process below it inherits that, and .NET installs no SIGINT handler when the signal was ignored at start:
        // a test that interrupts the CLI would wait for nothing. env restores the default first, as a terminal would.
        var startInfo = new ProcessStartInfo(File.Exists(EnvProgram) ? EnvProgram : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (File.Exists(EnvProgram))
        {
            startInfo.ArgumentList.Add("--default-signal=INT,QUIT");
            startInfo.ArgumentList.Add("dotnet");
        }

        startInfo.ArgumentList.Add(cli);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment["OUTPOST_TELEMETRY"] = "off";
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            startInfo.Environment[key] = value;
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var wrapper = new OutpostProcess(process);
        process.OutputDataReceived += (_, e) => wrapper.OnLine(e.Data, wrapper._stdout);
        process.ErrorDataReceived += (_, e) => wrapper.OnLine(e.Data, wrapper._stderr);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return wrapper;
    }

    /// <summary>Runs a command to completion and returns its exit code.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        await using var process = Start(arguments, environment);
        var exitCode = await process.WaitForExitAsync(timeout);
        return (exitCode, process.StandardOutput, process.StandardError);
    }

    /// <summary>Completes with the first output line (stdout or stderr) that matches.</summary>
    public Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan? timeout = null)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            var existing = (_stdout.ToString() + _stderr).Split('\n').FirstOrDefault(match);
            if (existing is not null)
            {
                return Task.FromResult(existing);
            }

            _waiters.Add((match, seen));
        }

        return seen.Task.WaitAsync(timeout ?? TestTimeouts.Default);
    }

    /// <summary>Writes <paramref name="text"/> to the process's stdin and flushes it.</summary>
    public async Task WriteInputAsync(string text)
    {
        await _process.StandardInput.WriteAsync(text).WaitAsync(TestTimeouts.Default);
        await _process.StandardInput.FlushAsync().WaitAsync(TestTimeouts.Default);
    }

    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout ?? TestTimeouts.Default);
        return _process.ExitCode;
    }

    public void Signal(PosixSignalKind signal)
    {
        var name = signal switch
        {
            PosixSignalKind.Kill => "-KILL",
            PosixSignalKind.Interrupt => "-INT",
            _ => "-TERM",
        };
        var result = Process.Start("kill", [name, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        result.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TestTimeouts.Default);
        }

        _process.Dispose();
    }

    private void OnLine(string? line, StringBuilder buffer)
    {
        if (line is null)
        {
            return;
        }

        List<TaskCompletionSource<string>> matched = [];
        lock (_gate)
        {
            buffer.AppendLine(line);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    matched.Add(_waiters[i].Seen);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var waiter in matched)
        {
            waiter.TrySetResult(line);
        }
    }
}

public enum PosixSignalKind
{
    Terminate,
    Kill,
    Interrupt,
}
