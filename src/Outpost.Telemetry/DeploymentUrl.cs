namespace Outpost.Telemetry;

/// <summary>The deployment URL as events carry it (issue 14 point 3).</summary>
internal static class DeploymentUrl
{
    /// <summary>
    /// <c>scheme://host[:port]</c> in lower case, without userinfo, path, query or fragment, and
    /// without the scheme's default port; <c>""</c> for anything that is not an absolute URL.
    /// </summary>
    public static string Normalize(string? url)
    {
        if (string.IsNullOrWhiteSpace(url) || !Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || uri.IsFile || string.IsNullOrEmpty(uri.Host))
        {
            return "";
        }

        return uri.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped);
    }
}
