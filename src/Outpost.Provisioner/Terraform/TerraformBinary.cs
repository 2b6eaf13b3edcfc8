using System.Diagnostics;
using System.Text.Json;

namespace Outpost.Provisioner.Terraform;

/// <summary>Finds the terraform binary and checks it is new enough (1.5 or newer).</summary>
internal static class TerraformBinary
{
    public const string PathVariable = "OUTPOST_TERRAFORM_PATH";
    public static readonly Version MinimumVersion = new(1, 5, 0);

    /// <summary>The binary: <see cref="PathVariable"/> when set, else <c>terraform</c> on PATH; null when there is none.</summary>
    public static string? Find(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment(PathVariable) is { Length: > 0 } named)
        {
            return named;
        }

        return (environment("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Join(directory, "terraform"))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>The version of <paramref name="binary"/>, or why it cannot be used (the message names <see cref="PathVariable"/>).</summary>
    public static async Task<(Version? Version, string? Problem)> CheckAsync(string? binary, CancellationToken cancellationToken)
    {
        if (binary is null)
        {
            return (null, $"terraform is not installed: put terraform {MinimumVersion.ToString(2)} or newer on PATH or name it with {PathVariable}");
        }

        try
        {
            var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add("version");
            start.ArgumentList.Add("-json");
            start.Environment["CHECKPOINT_DISABLE"] = "1";
            using var process = Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            using var json = JsonDocument.Parse(output);
            var text = json.RootElement.GetProperty("terraform_version").GetString() ?? string.Empty;
            if (!Version.TryParse(text.Split('-', 2)[0], out var version))
            {
                return (null, $"{binary} reports version \"{text}\", which is not a version; set {PathVariable} to terraform {MinimumVersion.ToString(2)} or newer");
            }

            return version < MinimumVersion
                ? (version, $"{binary} is terraform {version}, older than {MinimumVersion.ToString(2)}; install a newer one or set {PathVariable}")
                : (version, null);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or JsonException or KeyNotFoundException or InvalidOperationException or IOException)
        {
            return (null, $"{binary} cannot be run as terraform ({ex.Message}); set {PathVariable} to terraform {MinimumVersion.ToString(2)} or newer");
        }
    }
}
