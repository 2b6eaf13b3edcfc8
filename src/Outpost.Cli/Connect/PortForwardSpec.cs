using System.Globalization;
using System.Net;

namespace Outpost.Cli.Connect;

/// <summary>One <c>--tcp [bind:]LOCAL:REMOTE</c>: where to listen here and which port to reach inside the workspace.</summary>
internal sealed record PortForwardSpec(IPAddress Bind, int LocalPort, int RemotePort)
{
    /// <summary>Parses a spec; the problem names the flag and the part that is wrong. LOCAL may be 0 (any free port).</summary>
    public static (PortForwardSpec? Spec, string? Problem) Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var usage = $"--tcp {text}: expected [BIND:]LOCAL:REMOTE, e.g. 8080:80 or 127.0.0.1:8080:80";
        var last = text.LastIndexOf(':');
        if (last <= 0)
        {
            return (null, usage);
        }

        var remoteText = text[(last + 1)..];
        var rest = text[..last];
        var middle = rest.LastIndexOf(':');
        var localText = middle < 0 ? rest : rest[(middle + 1)..];
        var bindText = middle < 0 ? "127.0.0.1" : rest[..middle].Trim('[', ']');
        if (!IPAddress.TryParse(bindText, out var bind))
        {
            return (null, $"--tcp {text}: \"{bindText}\" is not an IP address to listen on");
        }

        if (!int.TryParse(localText, NumberStyles.None, CultureInfo.InvariantCulture, out var local) || local > 65535)
        {
            return (null, $"--tcp {text}: the local port \"{localText}\" is outside 0-65535 (0 picks a free one)");
        }

        if (!int.TryParse(remoteText, NumberStyles.None, CultureInfo.InvariantCulture, out var remote) || remote is < 1 or > 65535)
        {
            return (null, $"--tcp {text}: the workspace port \"{remoteText}\" is outside 1-65535");
        }

        return (new PortForwardSpec(bind, local, remote), null);
    }
}
