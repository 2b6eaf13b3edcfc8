using Outpost.Sdk.Agents;

namespace Outpost.Sdk.Sessions;

/// <summary>What a client asks for, sent as the first frame of every session.</summary>
public sealed record SessionHeader
{
    /// <summary>Exec, pty, tcp, ssh or ping.</summary>
    public required SessionKind Kind { get; init; }

    /// <summary>exec: the program (required); pty: a command run by the login shell instead of an interactive shell.</summary>
    public string? Command { get; init; }

    /// <summary>exec: the program's arguments.</summary>
    public IReadOnlyList<string>? Args { get; init; }

    /// <summary>Extra environment variables on top of the workspace's.</summary>
    public IReadOnlyDictionary<string, string>? Env { get; init; }

    /// <summary>Working directory; the agent's directory when empty.</summary>
    public string? Cwd { get; init; }

    /// <summary>pty: terminal rows.</summary>
    public int Rows { get; init; }

    /// <summary>pty: terminal columns.</summary>
    public int Cols { get; init; }

    /// <summary>pty: the client's <c>TERM</c>; <c>xterm-256color</c> when empty.</summary>
    public string? Term { get; init; }

    /// <summary>pty: the terminal to reconnect to (or to create with this id).</summary>
    public Guid? ReconnectId { get; init; }

    /// <summary>tcp: the host to dial inside the workspace; <c>127.0.0.1</c> when empty.</summary>
    public string? Host { get; init; }

    /// <summary>tcp: the port, 1–65535.</summary>
    public int Port { get; init; }

    /// <summary>
    /// What the connection log calls the session when the kind alone does not say it: <c>ssh</c> for exec and pty
    /// sessions of <c>outpost ssh</c>. Null otherwise (the log type is then <c>exec</c>, <c>pty</c> or <c>port_forward</c>).
    /// </summary>
    public ConnectionType? ConnectionType { get; init; }

    /// <summary>The connection log's type of this session.</summary>
    public ConnectionType LogType() => Kind switch
    {
        SessionKind.Tcp => Agents.ConnectionType.PortForward,
        SessionKind.Ssh => Agents.ConnectionType.Ssh,
        SessionKind.Ping => Agents.ConnectionType.Ping,
        _ when ConnectionType == Agents.ConnectionType.Ssh => Agents.ConnectionType.Ssh,
        SessionKind.Exec => Agents.ConnectionType.Exec,
        _ => Agents.ConnectionType.Pty,
    };

    /// <summary>The first problem with the header (naming the field), or null when it can be served.</summary>
    public string? Validate()
    {
        switch (Kind)
        {
            case SessionKind.Exec when string.IsNullOrEmpty(Command):
                return "command: an exec session needs a command";
            case SessionKind.Pty when SessionLimits.SizeProblem(Rows, Cols) is { } size:
                return size;
            case SessionKind.Tcp when Port is < 1 or > 65535:
                return $"port: {Port} is not a TCP port (1-65535)";
            case SessionKind.Tcp when Host is { Length: > 253 }:
                return "host: longer than 253 characters";
            case SessionKind.Ssh when Port != 0 || !string.IsNullOrEmpty(Host):
                return "port: an ssh session goes to the agent's SSH port; dial another port with a tcp session";
            case SessionKind.Exec or SessionKind.Pty or SessionKind.Tcp or SessionKind.Ssh or SessionKind.Ping:
                break;
            default:
                return $"kind: {(int)Kind} is not exec, pty, tcp, ssh or ping";
        }

        if (ConnectionType is { } type && (type != Agents.ConnectionType.Ssh || Kind is not (SessionKind.Exec or SessionKind.Pty)))
        {
            return $"connection_type: only exec and pty sessions may say ssh, not {WireName.Of(type)}";
        }

        if (Command is { Length: > SessionLimits.MaxCommandLength })
        {
            return $"command: longer than {SessionLimits.MaxCommandLength} characters";
        }

        if (Args is { Count: > SessionLimits.MaxArgs })
        {
            return $"args: more than {SessionLimits.MaxArgs} arguments";
        }

        if (Env is not null)
        {
            foreach (var name in Env.Keys)
            {
                if (name.Length == 0 || name.Contains('=', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal))
                {
                    return $"env: '{name}' is not a variable name";
                }
            }
        }

        var strings = (Args ?? []).Append(Command ?? string.Empty).Append(Cwd ?? string.Empty).Append(Term ?? string.Empty)
            .Concat(Env?.Values ?? []);
        return strings.Any(s => s.Contains('\0', StringComparison.Ordinal)) ? "command, args, env, cwd or term: contains a NUL character" : null;
    }
}
