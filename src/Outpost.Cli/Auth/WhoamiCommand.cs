using System.CommandLine;
using System.Text.Json;
using Outpost.Cli.Hosting;
using Outpost.Sdk;

namespace Outpost.Cli.Auth;

/// <summary><c>outpost whoami</c>: who the stored session belongs to, checked with the server.</summary>
internal static class WhoamiCommand
{
    public static Command Create(CliContext context)
    {
        var output = OutputFormat.CreateOption();
        var command = new Command("whoami", "Show the signed-in user.") { output };
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context, async (client, ct) =>
        {
            var me = await client.Api.GetMeAsync(ct).ConfigureAwait(false);
            if (result.GetValue(output) == OutputFormat.Json)
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(me, OutpostJsonContext.Default.User)).ConfigureAwait(false);
            }
            else
            {
                await context.Out.WriteLineAsync($"{me.Username} <{me.Email}> ({me.Role}) at {client.Api.BaseAddress}").ConfigureAwait(false);
            }

            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }
}
