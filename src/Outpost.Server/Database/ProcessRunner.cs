using System.Diagnostics;
using System.Text;

namespace Outpost.Server.Database;

/// <summary>The outcome of running an external program to completion.</summary>
internal sealed record ProcessResult(int ExitCode, string Output)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>Runs short-lived helper programs (initdb, pg_ctl, chown) and captures their output.</summary>
internal static class ProcessRunner
{
    // Output beyond this is dropped from the head: the tail is what explains a failure.
    private const int MaxCapturedChars = 64 * 1024;

    public static async Task<ProcessResult> RunAsync(string fileName, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // PostgreSQL tools print localized messages; the launcher quotes them to users as they are.
        startInfo.Environment["LC_MESSAGES"] = "C";

        var output = new StringBuilder();
        using var process = new Process { StartInfo = startInfo };
        void Append(object? sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(e.Data);
                if (output.Length > MaxCapturedChars)
                {
                    output.Remove(0, output.Length - MaxCapturedChars);
                }
            }
        }

        process.OutputDataReceived += Append;
        process.ErrorDataReceived += Append;
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new ProcessResult(127, $"could not run {fileName}: {e.Message}");
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        lock (output)
        {
            return new ProcessResult(process.ExitCode, output.ToString());
        }
    }
}
