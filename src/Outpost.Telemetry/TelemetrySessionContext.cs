using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Outpost.Sdk;

namespace Outpost.Telemetry;

/// <summary>Builds the per-process session context of spec §2.2 for the running CLI.</summary>
internal static class TelemetrySessionContext
{
    public const string PlatformName = "dotnet";

    private static readonly string[] MachineIdFiles = ["/etc/machine-id", "/var/lib/dbus/machine-id"];

    public static TelemetryContext Create(string? cliVersion = null) => new()
    {
        CliVersion = string.IsNullOrWhiteSpace(cliVersion) ? BuildVersion.Version : cliVersion,
        MachineId = MachineId(),
        SessionId = TelemetryIds.NewSessionId(),
        OsType = OsType(),
        OsVersion = Environment.OSVersion.Version.ToString(),
        HostArch = RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant(),
        PlatformName = PlatformName,
        PlatformVersion = Environment.Version.ToString(),
    };

    /// <summary><c>process.platform</c> style, with Windows normalised to <c>windows</c>.</summary>
    public static string OsType()
    {
        if (OperatingSystem.IsWindows())
        {
            return "windows";
        }

        if (OperatingSystem.IsMacOS())
        {
            return "darwin";
        }

        return OperatingSystem.IsLinux() ? "linux" : RuntimeInformation.OSDescription.Split(' ')[0].ToLowerInvariant();
    }

    // The raw machine id is a stable identifier other software uses; a hash keeps events joinable
    // per machine without recording the id itself.
    private static string MachineId()
    {
        string? raw = null;
        foreach (var file in MachineIdFiles)
        {
            try
            {
                raw = File.ReadAllText(file).Trim();
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            if (raw.Length > 0)
            {
                break;
            }
        }

        if (string.IsNullOrEmpty(raw))
        {
            raw = Environment.MachineName;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("outpost-telemetry:" + raw));
        return Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }
}
