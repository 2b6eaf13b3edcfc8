namespace Outpost.Cli.Invocations;

/// <summary>
/// What a <c>cli_invocation</c> entry records about the command line (seed 004, swamp spec §3.2):
/// the command and subcommand, positionals with every user-supplied value redacted, option keys
/// without their values, and the global options used.
/// </summary>
internal sealed record CommandInfo(string Command, string? Subcommand, IReadOnlyList<string> Args, IReadOnlyList<string> OptionKeys, IReadOnlyList<string> GlobalOptions)
{
    public const string Redacted = "<REDACTED>";
}

/// <summary>
/// Extracts <see cref="CommandInfo"/> from raw arguments (swamp spec §4), adapted to Outpost's
/// command tree: a token counts as a subcommand only if it names a real subcommand, and deeper
/// command names (<c>provisioner keys create</c>) are kept verbatim; every other positional —
/// workspace names, URLs, token ids — is recorded as <c>&lt;REDACTED&gt;</c>.
/// </summary>
internal sealed class CommandInfoExtractor
{
    /// <summary>Options that apply to every command.</summary>
    public static readonly IReadOnlySet<string> GlobalOptions = new HashSet<string>(StringComparer.Ordinal)
    {
        "--no-telemetry", "--verbose", "-v", "--quiet", "-q", "--no-color",
    };

    /// <summary>Flags that never take a value, so the token after them is not swallowed as one.</summary>
    private static readonly HashSet<string> BooleanFlags = new(StringComparer.Ordinal)
    {
        "--no-telemetry", "--verbose", "-v", "--quiet", "-q", "--no-color",
        "--help", "-h", "-?", "--version", "--yes", "-y", "--force", "-f", "--no-wait", "--wait", "--follow",
        "--all", "-a", "--dry-run", "--cancel-on-interrupt",
    };

    private readonly IReadOnlyDictionary<string, CommandNode> _commands;

    public CommandInfoExtractor(IReadOnlyDictionary<string, CommandNode> commands)
    {
        _commands = commands;
    }

    /// <summary>A command name and the names of its subcommands, recursively.</summary>
    internal sealed record CommandNode(IReadOnlyDictionary<string, CommandNode> Children);

    public static CommandInfoExtractor FromTree(System.CommandLine.Command root)
    {
        ArgumentNullException.ThrowIfNull(root);
        return new CommandInfoExtractor(Children(root));

        static Dictionary<string, CommandNode> Children(System.CommandLine.Command command) =>
            command.Subcommands.ToDictionary(c => c.Name, c => new CommandNode(Children(c)), StringComparer.Ordinal);
    }

    public CommandInfo Extract(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var globals = new List<string>();
        var optionKeys = new List<string>();
        var positionals = new List<string>();
        string command = string.Empty;
        string? subcommand = null;
        CommandNode? node = null;
        var phase = 1;
        for (var i = 0; i < args.Count; i++)
        {
            var token = args[i];
            if (token.StartsWith('-') && token.Length > 1)
            {
                var key = token.Split('=', 2)[0];
                if (GlobalOptions.Contains(key))
                {
                    if (!globals.Contains(key, StringComparer.Ordinal))
                    {
                        globals.Add(key);
                    }
                }
                else if (phase > 1 && !optionKeys.Contains(key, StringComparer.Ordinal))
                {
                    // Options before the command are dropped, as upstream does (spec §4 phase 1).
                    optionKeys.Add(key);
                }

                // The value of "--key value" is skipped; "--key=value" carries its own.
                if (!token.Contains('=', StringComparison.Ordinal) && !BooleanFlags.Contains(key) && i + 1 < args.Count && !args[i + 1].StartsWith('-'))
                {
                    i++;
                }

                continue;
            }

            switch (phase)
            {
                case 1:
                    // An unknown first word is a typo or a secret pasted in the wrong place: never record it.
                    command = _commands.TryGetValue(token, out node) ? token : CommandInfo.Redacted;
                    phase = 2;
                    break;
                case 2 when node is not null && node.Children.TryGetValue(token, out var child):
                    subcommand = token;
                    node = child;
                    phase = 3;
                    break;
                default:
                    phase = 3;
                    if (node is not null && node.Children.TryGetValue(token, out var deeper))
                    {
                        positionals.Add(token);
                        node = deeper;
                    }
                    else
                    {
                        positionals.Add(CommandInfo.Redacted);
                    }

                    break;
            }
        }

        return new CommandInfo(command, subcommand, positionals, optionKeys, globals);
    }
}
