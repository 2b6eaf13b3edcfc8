using System.Diagnostics;
using System.Text;

namespace Outpost.Agent.Scripts;

/// <summary>How the agent starts user code (scripts, the task agent's commands): <c>{shell} -c {command}</c>, all three streams piped, UTF-8.</summary>
internal static class ShellStartInfo
{
    /// <summary>The environment is the agent's with <paramref name="environment"/> on top (a null value removes the variable).</summary>
    public static ProcessStartInfo For(string shell, string command, string workingDirectory, IEnumerable<KeyValuePair<string, string?>> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var startInfo = new ProcessStartInfo(shell)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add("-c");
        startInfo.ArgumentList.Add(command);
        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                startInfo.Environment.Remove(name);
            }
            else
            {
                startInfo.Environment[name] = value;
            }
        }

        return startInfo;
    }
}
