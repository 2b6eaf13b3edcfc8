using Outpost.Cli.Hosting;

namespace Outpost.Cli.Tests.Invocations;

/// <summary>
/// Issue 14 point 1: every command of the real tree is run in-process with option values that look
/// like options and secrets, and the recorded files are scanned for them.
/// </summary>
public sealed class InvocationPrivacyTests
{
    // Daemons that would start a server, an agent or a provisioner; their command lines are
    // covered through the parser in CommandInfoExtractorTests.
    private static readonly HashSet<string> Daemons = new(StringComparer.Ordinal) { "server", "agent", "provisionerd" };

    [Fact]
    public async Task No_option_or_positional_value_of_any_command_reaches_the_recorded_files()
    {
        using var cli = new TestCli();
        using var interrupt = new CancellationTokenSource();
        await interrupt.CancelAsync();
        cli.Interrupt = interrupt.Token;
        using var output = new StringWriter();
        var root = CliApp.Build(cli.CreateContext(output, output));
        var runs = 0;
        foreach (var (path, command) in CommandInfoExtractorTests.Commands(root, []))
        {
            // templates init would write a template into the test's working directory.
            if (path.Count == 0 || Daemons.Contains(path[0]) || command.Subcommands.Count > 0 || path is ["templates", "init"])
            {
                continue;
            }

            foreach (var option in command.Options.Concat(root.Options).Distinct())
            {
                // An export's --output would write the export file into the test's working directory.
                if (path is ["telemetry", "export"] && option.Name == "--output")
                {
                    continue;
                }

                var positionals = command.Arguments.Select((_, i) => $"-Positional{i}Secret").ToList();
                var name = option.Aliases.FirstOrDefault(a => a.Length == 2) ?? option.Name;
                string[][] lines =
                [
                    [.. path, option.Name, "-S3cretValue9", .. positionals],
                    [.. path, .. positionals, $"{option.Name}=--Sneaky-Token-77"],
                    [.. path, name.Length == 2 ? name + "GluedSecret42" : $"{name}=GluedSecret42", .. positionals],
                ];
                foreach (var line in lines)
                {
                    await cli.RunAsync(line);

                    // --no-telemetry records nothing, by design.
                    runs += line.Contains(CliApp.NoTelemetryOption, StringComparer.Ordinal) ? 0 : 1;
                }
            }
        }

        var text = string.Concat(Directory.GetFiles(cli.TelemetryDirectory).Select(File.ReadAllText));
        Assert.True(runs > 50, $"only {runs} runs");
        Assert.Equal(runs, cli.Events("cli_invocation").Count);
        foreach (var secret in new[] { "S3cretValue9", "Sneaky-Token-77", "GluedSecret42", "Positional" })
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
    }
}
