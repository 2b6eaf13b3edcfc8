using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Outpost.Cli.Hosting;
using Outpost.Sdk;
using Outpost.Sdk.Secrets;

namespace Outpost.Cli.Secrets;

/// <summary>
/// <c>outpost secrets create|list|update|delete</c>: the caller's own secrets (docs/secrets.md). A
/// value is never an argument (it would land in shell history and process listings): it is read
/// from stdin when stdin is piped, else asked for without echo.
/// </summary>
internal static class SecretsCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("secrets", "Manage your secrets: values your workspaces' templates can use at build time.");
        command.Subcommands.Add(CreateCreate(context));
        command.Subcommands.Add(CreateList(context));
        command.Subcommands.Add(CreateUpdate(context));
        command.Subcommands.Add(CreateDelete(context));
        return command;
    }

    private static Command CreateCreate(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "The secret's name, unique among yours." };
        var (env, file, description) = BindingOptions();
        var command = new Command("create", "Create a secret; its value comes from stdin, or a prompt that does not echo.") { name, env, file, description };
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context, async (client, ct) =>
        {
            var request = new CreateUserSecretRequest
            {
                Name = result.GetValue(name)!,
                Value = string.Empty,
                EnvName = result.GetValue(env),
                FilePath = result.GetValue(file),
                Description = result.GetValue(description),
            };
            // Checked before the value is asked for: a mistake costs no typing.
            if (SecretRules.Check(request.Name, request.EnvName, request.FilePath, string.Empty, request.Description) is { } violation)
            {
                return await UsageAsync(context, violation).ConfigureAwait(false);
            }

            if (await ReadValueAsync(context, ct).ConfigureAwait(false) is not { } value)
            {
                return await NoValueAsync(context).ConfigureAwait(false);
            }

            if (SecretRules.CheckValue(value) is { } valueViolation)
            {
                return await UsageAsync(context, valueViolation).ConfigureAwait(false);
            }

            var created = await client.Api.CreateSecretAsync(request with { Value = value }, ct).ConfigureAwait(false);
            await context.Error.WriteLineAsync($"Created secret \"{created.Name}\"{Bindings(created)}.").ConfigureAwait(false);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command CreateList(CliContext context)
    {
        var output = OutputFormat.CreateOption();
        var command = new Command("list", "List your secrets (names and bindings, never values).") { output };
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context, async (client, ct) =>
        {
            var secrets = await client.Api.ListSecretsAsync(ct).ConfigureAwait(false);
            if (result.GetValue(output) == OutputFormat.Json)
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(secrets, OutpostJsonContext.Default.ListUserSecret)).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            await OutputFormat.WriteTableAsync(context.Out, ["NAME", "ENV", "FILE", "DESCRIPTION", "UPDATED"], secrets.Select(s => (IReadOnlyList<string>)
            [
                s.Name, s.EnvName, s.FilePath, s.Description, s.UpdatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture),
            ])).ConfigureAwait(false);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command CreateUpdate(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "The secret to change." };
        var (env, file, description) = BindingOptions(update: true);
        var command = new Command("update",
            "Change a secret. A new value is read from stdin when it is piped, or asked for when no other change is given.") { name, env, file, description };
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context, async (client, ct) =>
        {
            var request = new UpdateUserSecretRequest { EnvName = result.GetValue(env), FilePath = result.GetValue(file), Description = result.GetValue(description) };
            if ((SecretRules.CheckEnvName(request.EnvName) ?? SecretRules.CheckFilePath(request.FilePath) ?? SecretRules.CheckDescription(request.Description)) is { } violation)
            {
                return await UsageAsync(context, violation).ConfigureAwait(false);
            }

            var metadataOnly = request.EnvName is not null || request.FilePath is not null || request.Description is not null;
            if (context.In is not null || !metadataOnly)
            {
                if (await ReadValueAsync(context, ct).ConfigureAwait(false) is not { } value)
                {
                    return await NoValueAsync(context).ConfigureAwait(false);
                }

                if (SecretRules.CheckValue(value) is { } valueViolation)
                {
                    return await UsageAsync(context, valueViolation).ConfigureAwait(false);
                }

                request = request with { Value = value };
            }

            var updated = await client.Api.UpdateSecretAsync(result.GetValue(name)!, request, ct).ConfigureAwait(false);
            await context.Error.WriteLineAsync($"Updated secret \"{updated.Name}\"{Bindings(updated)}{(request.Value is null ? "" : " with a new value")}.").ConfigureAwait(false);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command CreateDelete(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "The secret to delete." };
        var command = new Command("delete", "Delete a secret. Running workspaces keep what they have; their next start goes without it.") { name };
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context, async (client, ct) =>
        {
            await client.Api.DeleteSecretAsync(result.GetValue(name)!, ct).ConfigureAwait(false);
            await context.Error.WriteLineAsync($"Deleted secret \"{result.GetValue(name)}\".").ConfigureAwait(false);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static (Option<string?> Env, Option<string?> File, Option<string?> Description) BindingOptions(bool update = false)
    {
        var remove = update ? " An empty value removes the binding." : string.Empty;
        return (
            new Option<string?>("--env") { Description = "Bind it to this environment variable name (templates read it as OUTPOST_SECRET_ENV_<NAME>)." + remove },
            new Option<string?>("--file") { Description = "Bind it to this file path, ~/… or absolute." + remove },
            new Option<string?>("--description") { Description = "What it is for." });
    }

    /// <summary>
    /// The value: all of stdin when it is piped (one trailing newline dropped from a single-line
    /// value, as <c>echo</c> adds it), else a prompt without echo; null when there is neither.
    /// </summary>
    private static async Task<string?> ReadValueAsync(CliContext context, CancellationToken cancellationToken)
    {
        if (context.In is { } input)
        {
            var text = await input.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            var trimmed = text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2] : text.EndsWith('\n') ? text[..^1] : text;
            return trimmed.Contains('\n', StringComparison.Ordinal) ? text : trimmed;
        }

        return context.Prompter is { } prompter ? await prompter.AskSecretAsync("Value", cancellationToken).ConfigureAwait(false) : null;
    }

    private static async Task<int> NoValueAsync(CliContext context)
    {
        await context.Error.WriteLineAsync("error: no value: pipe it on stdin (outpost secrets create NAME --env VAR < file) or run in a terminal to be asked for it").ConfigureAwait(false);
        return ExitCodes.Usage;
    }

    private static async Task<int> UsageAsync(CliContext context, SecretViolation violation)
    {
        await context.Error.WriteLineAsync($"error: {OptionOf(violation)}: {violation.Message}").ConfigureAwait(false);
        return ExitCodes.Usage;
    }

    private static string OptionOf(SecretViolation violation) => violation.Field switch
    {
        SecretField.Env => "--env",
        SecretField.File => "--file",
        SecretField.Description => "--description",
        SecretField.Value => "the value",
        _ => "the name",
    };

    private static string Bindings(UserSecret secret)
    {
        List<string> parts = [];
        if (secret.EnvName.Length > 0)
        {
            parts.Add($"env {secret.EnvName}");
        }

        if (secret.FilePath.Length > 0)
        {
            parts.Add($"file {secret.FilePath}");
        }

        return parts.Count == 0 ? " (not bound: templates cannot read it until it has --env or --file)" : $" ({string.Join(", ", parts)})";
    }
}
