namespace Outpost.Agent.Sessions;

/// <summary>
/// The user's login shell: the agent user's /etc/passwd entry, else <c>$SHELL</c>, else /bin/sh. An entry
/// that refuses logins (nologin, false: the sandbox's unprivileged user has one) is passed over, because
/// the terminal is the workspace's own shell, not a login to the host.
/// </summary>
internal static class LoginShell
{
    public static string Find()
    {
        var uid = Libc.getuid().ToString(System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            foreach (var line in File.ReadLines("/etc/passwd"))
            {
                var fields = line.Split(':');
                if (fields.Length >= 7 && fields[2] == uid && fields[6].Length > 0 && File.Exists(fields[6]) && !RefusesLogins(fields[6]))
                {
                    return fields[6];
                }
            }
        }
        catch (IOException)
        {
            // No passwd file (a minimal container): fall through.
        }

        var shell = Environment.GetEnvironmentVariable("SHELL");
        return !string.IsNullOrEmpty(shell) && File.Exists(shell) && !RefusesLogins(shell) ? shell : "/bin/sh";
    }

    private static bool RefusesLogins(string shell) => Path.GetFileName(shell) is "nologin" or "false";
}
