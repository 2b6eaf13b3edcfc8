using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Outpost.Cli.Hosting;
using Outpost.Sdk;
using Outpost.Sdk.Users;

namespace Outpost.Cli.Tokens;

/// <summary><c>outpost tokens create|list|revoke</c>: API tokens for automation.</summary>
internal static class TokensCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("tokens", "Manage API tokens for automation.");
        command.Subcommands.Add(CreateCreate(context));
        command.Subcommands.Add(CreateList(context));
        command.Subcommands.Add(CreateRevoke(context));
        return command;
    }

    private static Command CreateCreate(CliContext context)
    {
        var name = new Option<string>("--name") { Description = "A name for the token, unique among your tokens.", Required = true };
        var lifetime = new Option<string>("--lifetime") { Description = "How long it works: 90m, 12h, 30d (default 30d, at most 365d).", DefaultValueFactory = _ => "30d" };
        var command = new Command("create", "Create an API token; its secret is printed once, on stdout.") { name, lifetime };
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context, async (client, ct) =>
        {
            if (!DurationParser.TryParse(result.GetValue(lifetime), out var duration))
            {
                await context.Error.WriteLineAsync($"error: --lifetime \"{result.GetValue(lifetime)}\" is not a duration; use a number with s, m, h or d, like 30d").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var created = await client.Api.CreateTokenAsync(new CreateTokenRequest { TokenName = result.GetValue(name)!, LifetimeSeconds = (long)duration.TotalSeconds }, ct).ConfigureAwait(false);
            await context.Out.WriteLineAsync(created.Key).ConfigureAwait(false);
            await context.Error.WriteLineAsync($"Token \"{created.Token.TokenName}\" expires {created.Token.ExpiresAt:u}. It is shown only now: store it safely.").ConfigureAwait(false);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command CreateList(CliContext context)
    {
        var output = OutputFormat.CreateOption();
        var command = new Command("list", "List your API tokens (never their secrets).") { output };
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context, async (client, ct) =>
        {
            var tokens = await client.Api.ListTokensAsync(ct).ConfigureAwait(false);
            if (result.GetValue(output) == OutputFormat.Json)
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(tokens, OutpostJsonContext.Default.ListApiToken)).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            await OutputFormat.WriteTableAsync(context.Out, ["ID", "NAME", "CREATED", "EXPIRES", "LAST USED"], tokens.Select(t => (IReadOnlyList<string>)
            [
                t.Id, t.TokenName, Format(t.CreatedAt), Format(t.ExpiresAt), t.LastUsedAt is { } used ? Format(used) : "never",
            ])).ConfigureAwait(false);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command CreateRevoke(CliContext context)
    {
        var target = new Argument<string>("token") { Description = "The token's id or name." };
        var command = new Command("revoke", "Revoke one of your API tokens.") { target };
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context, async (client, ct) =>
        {
            await client.Api.RevokeTokenAsync(result.GetValue(target)!, ct).ConfigureAwait(false);
            await context.Error.WriteLineAsync($"Revoked token {result.GetValue(target)}.").ConfigureAwait(false);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static string Format(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture);
}
