using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Outpost.Cli.Hosting;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;

namespace Outpost.Cli.Provisioners;

/// <summary><c>outpost provisioner keys create|list|delete</c>: keys for external provisioner daemons.</summary>
internal static class ProvisionerCommand
{
    public static Command Create(CliContext context)
    {
        var keys = new Command("keys", "Manage the keys external provisioner daemons authenticate with (admins and owners).");
        keys.Subcommands.Add(CreateCreate(context));
        keys.Subcommands.Add(CreateList(context));
        keys.Subcommands.Add(CreateDelete(context));
        var command = new Command("provisioner", "Provisioner daemon administration.");
        command.Subcommands.Add(keys);
        return command;
    }

    private static Command CreateCreate(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "A name for the key, unique in the deployment." };
        var command = new Command("create", "Create a key; it is printed once, on stdout.") { name };
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context, async (client, ct) =>
        {
            var created = await client.Api.CreateProvisionerKeyAsync(new CreateProvisionerKeyRequest { Name = result.GetValue(name)! }, ct).ConfigureAwait(false);
            await context.Out.WriteLineAsync(created.Key).ConfigureAwait(false);
            await context.Error.WriteLineAsync($"Provisioner key \"{created.ProvisionerKey.Name}\" is shown only now: store it safely and pass it to `outpost provisionerd`.").ConfigureAwait(false);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command CreateList(CliContext context)
    {
        var output = OutputFormat.CreateOption();
        var command = new Command("list", "List provisioner keys (never their secrets).") { output };
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context, async (client, ct) =>
        {
            var keys = await client.Api.ListProvisionerKeysAsync(ct).ConfigureAwait(false);
            if (result.GetValue(output) == OutputFormat.Json)
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(keys, OutpostJsonContext.Default.ListProvisionerKey)).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            await OutputFormat.WriteTableAsync(context.Out, ["ID", "NAME", "CREATED"], keys.Select(k => (IReadOnlyList<string>)
            [
                k.Id, k.Name, k.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture),
            ])).ConfigureAwait(false);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command CreateDelete(CliContext context)
    {
        var target = new Argument<string>("key") { Description = "The key's id or name." };
        var command = new Command("delete", "Delete a provisioner key; daemons using it are refused from then on.") { target };
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context, async (client, ct) =>
        {
            await client.Api.DeleteProvisionerKeyAsync(result.GetValue(target)!, ct).ConfigureAwait(false);
            await context.Error.WriteLineAsync($"Deleted provisioner key {result.GetValue(target)}.").ConfigureAwait(false);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }
}
