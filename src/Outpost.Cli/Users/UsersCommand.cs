using System.CommandLine;
using System.Text.Json;
using Outpost.Cli.Hosting;
using Outpost.Cli.Tasks;
using Outpost.Sdk;
using Outpost.Sdk.Tasks;

namespace Outpost.Cli.Users;

/// <summary><c>outpost users ai-seats [--output json]</c>: the AI seats in use (owners only).</summary>
internal static class UsersCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("users", "Users of the deployment.");
        command.Subcommands.Add(CreateAiSeats(context));
        return command;
    }

    private static Command CreateAiSeats(CliContext context)
    {
        var output = OutputFormat.CreateOption();
        var command = new Command("ai-seats", "The users holding an AI seat (they used tasks), with their first and last recorded use. Owners only.") { output };
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context, async (client, ct) =>
        {
            var seats = await client.Api.ListAiSeatsAsync(ct).ConfigureAwait(false);
            if (result.GetValue(output) == OutputFormat.Json)
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(seats, AiSeatJsonContext.Default.AiSeatList)).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            await OutputFormat.WriteTableAsync(context.Out, ["USER", "FIRST USED", "LAST USED", "LAST USE"], seats.Seats.Select(s => (IReadOnlyList<string>)
            [
                s.Username, TaskFormat.Time(s.FirstUsedAt), TaskFormat.Time(s.LastUsedAt), $"{WireName.Of(s.LastEventType)}: {s.LastEventDescription}",
            ])).ConfigureAwait(false);
            await context.Error.WriteLineAsync($"{seats.Count} AI seat(s) in use.").ConfigureAwait(false);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }
}
