using System.Runtime.InteropServices;

namespace Outpost.Provisioner.Local;

/// <summary>An operating system and architecture in the names agents report (Go's GOOS/GOARCH, as Coder uses).</summary>
internal sealed record HostPlatform(string Os, string Architecture)
{
    public static HostPlatform Current { get; } = new(
        OperatingSystem.IsMacOS() ? "darwin" : "linux",
        RuntimeInformation.OSArchitecture switch
        {
            System.Runtime.InteropServices.Architecture.X64 => "amd64",
            System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
            System.Runtime.InteropServices.Architecture.X86 => "386",
            System.Runtime.InteropServices.Architecture.Arm => "arm",
            var other => other.ToString().ToLowerInvariant(),
        });
}
