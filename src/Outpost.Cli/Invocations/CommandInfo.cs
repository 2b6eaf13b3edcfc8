using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;

namespace Outpost.Cli.Invocations;

/// <summary>
/// What a <c>cli_invocation</c> entry records about the command line (seed 004, swamp spec §3.2):
/// the command and subcommand, positionals with every user-supplied value redacted, option keys
/// without their values, and the global options used.
/// </summary>
internal sealed record CommandInfo(string Command, string? Subcommand, IReadOnlyList<string> Args, IReadOnlyList<string> OptionKeys, IReadOnlyList<string> GlobalOptions)
{
    public const string Redacted = "<REDACTED>";

    /// <summary>What is recorded when the command line could not even be parsed.</summary>
    public static CommandInfo Unparsed { get; } = new(string.Empty, null, [], [], []);
}

/// <summary>
/// Extracts <see cref="CommandInfo"/> from System.CommandLine's own parse result (swamp spec §4,
/// adapted): the parser has already decided which token is a command, an option or a value, so
/// every option of the real tree — including ones added later, glued short forms (<c>-tVALUE</c>),
/// <c>--key=value</c> and values that begin with <c>-</c> — is handled the same way. Only names that
/// come from the command tree itself (command and option names) are ever recorded; every other
/// token — positionals, option values, unknown words — is <c>&lt;REDACTED&gt;</c> or dropped, so no
/// text the user typed can reach the entry.
/// </summary>
internal static class CommandInfoExtractor
{
    public static CommandInfo Extract(ParseResult parsed)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        var root = parsed.RootCommandResult.Command;
        var named = new Dictionary<Token, Symbol>(ReferenceEqualityComparer.Instance);
        var optionValues = new HashSet<Token>(ReferenceEqualityComparer.Instance);
        Collect(parsed.RootCommandResult, named, optionValues);

        var globals = new List<string>();
        var optionKeys = new List<string>();
        var positionals = new List<string>();
        var command = string.Empty;
        string? subcommand = null;
        var depth = 0;
        foreach (var token in parsed.Tokens)
        {
            named.TryGetValue(token, out var symbol);
            switch (token.Type)
            {
                case TokenType.Command when symbol is Command verb && verb != root:
                    depth++;
                    if (depth == 1)
                    {
                        command = verb.Name;
                    }
                    else if (depth == 2)
                    {
                        subcommand = verb.Name;
                    }
                    else
                    {
                        // Deeper command names (provisioner keys create) come from the tree, not the user.
                        positionals.Add(verb.Name);
                    }

                    break;
                case TokenType.Option when symbol is Option option:
                    var target = IsGlobal(root, option) ? globals : optionKeys;
                    if (!target.Contains(option.Name, StringComparer.Ordinal))
                    {
                        target.Add(option.Name);
                    }

                    break;
                case TokenType.Argument when !optionValues.Contains(token):
                    // A positional, or a token the tree does not know (a typo, a secret pasted in the
                    // wrong place, an unknown flag): never its text.
                    if (depth == 0)
                    {
                        command = CommandInfo.Redacted;
                        depth = 1;
                    }
                    else
                    {
                        positionals.Add(CommandInfo.Redacted);
                    }

                    break;
                default:
                    // Option values, a repeated option, "--" and directives are not recorded.
                    break;
            }
        }

        return new CommandInfo(command, subcommand, positionals, optionKeys, globals);
    }

    /// <summary>Options declared on the root command apply everywhere; <c>--help</c> is per command usage.</summary>
    private static bool IsGlobal(Command root, Option option) => option is not HelpOption && root.Options.Contains(option);

    /// <summary>The tokens that name a command or an option (by the result they made), and the tokens that are option values.</summary>
    private static void Collect(SymbolResult result, Dictionary<Token, Symbol> named, HashSet<Token> optionValues)
    {
        switch (result)
        {
            case OptionResult option:
                if (option.IdentifierToken is { } identifier)
                {
                    named[identifier] = option.Option;
                }

                foreach (var token in option.Tokens)
                {
                    optionValues.Add(token);
                }

                break;
            case CommandResult command:
                if (command.IdentifierToken is { } name)
                {
                    named[name] = command.Command;
                }

                foreach (var child in command.Children)
                {
                    Collect(child, named, optionValues);
                }

                break;
            default:
                break;
        }
    }
}
