using System.Diagnostics;

namespace Outpost.Testing;

/// <summary>
/// The real <c>terraform</c> binary for tests, with the Outpost provider installed for it through a
/// dev override that runs <c>outpost terraform-provider</c> from the test's output. A machine without
/// terraform fails these tests with the reason; they never skip.
/// </summary>
public sealed class TerraformCli : IDisposable
{
    private readonly string _root;

    public TerraformCli()
    {
        Binary = Find() ?? throw new InvalidOperationException(
            "terraform is not on PATH (nor named by OUTPOST_TERRAFORM_PATH); the Terraform tests need terraform 1.5 or newer installed");
        _root = Directory.CreateTempSubdirectory("outpost-terraform-").FullName;
        var plugins = Directory.CreateDirectory(Path.Join(_root, "plugins")).FullName;
        var cli = Path.Combine(AppContext.BaseDirectory, "outpost.dll");
        var wrapper = Path.Join(plugins, "terraform-provider-outpost");
        File.WriteAllText(wrapper, $"#!/bin/sh\nexec dotnet '{cli}' terraform-provider \"$@\"\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        ConfigFile = Path.Join(_root, "terraformrc");
        File.WriteAllText(ConfigFile, $$"""
            provider_installation {
              dev_overrides {
                "outpost/outpost" = "{{plugins}}"
              }
            }
            """);
        WorkingDirectory = Directory.CreateDirectory(Path.Join(_root, "work")).FullName;
    }

    public string Binary { get; }

    public string ConfigFile { get; }

    public string WorkingDirectory { get; }

    /// <summary>terraform on PATH, or the one OUTPOST_TERRAFORM_PATH names.</summary>
    public static string? Find()
    {
        if (Environment.GetEnvironmentVariable("OUTPOST_TERRAFORM_PATH") is { Length: > 0 } named && File.Exists(named))
        {
            return named;
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Join(directory, "terraform"))
            .FirstOrDefault(File.Exists);
    }

    public void Write(string file, string content) => File.WriteAllText(Path.Join(WorkingDirectory, file), content);

    /// <summary>Runs terraform in the working directory; returns its exit code and output.</summary>
    public async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(Binary)
        {
            WorkingDirectory = WorkingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["TF_CLI_CONFIG_FILE"] = ConfigFile;
        start.Environment["TF_IN_AUTOMATION"] = "1";
        start.Environment["CHECKPOINT_DISABLE"] = "1";
        start.Environment["OUTPOST_TELEMETRY"] = "off";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
