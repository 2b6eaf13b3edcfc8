using System.CommandLine;
using Outpost.Cli.Hosting;
using Outpost.Provisioner.Templates;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Sdk.Templates;

namespace Outpost.Cli.Templates;

/// <summary><c>outpost templates push NAME --directory DIR</c>: pack, upload, import, activate.</summary>
internal static class TemplatePushCommand
{
    public static Command Create(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "The template's name (created when new)." };
        var directory = new Option<string>("--directory", "-d") { Description = "The template directory (with outpost.yaml, or *.tf files for Terraform).", DefaultValueFactory = _ => "." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Create the template without asking when it is new." };
        var command = new Command("push", "Upload a template directory as a new version and activate it once it imports.") { name, directory, yes };
        command.SetAction((result, cancellationToken) => CommandRunner.RunSignedInAsync(context,
            (client, ct) => RunAsync(context, client, result.GetValue(name)!, result.GetValue(directory)!, result.GetValue(yes), ct), cancellationToken));
        return command;
    }

    /// <summary>The verb's body, also what the workflow method <c>outpost/template push</c> runs; it prints the version's name on stdout.</summary>
    internal static async Task<int> RunAsync(CliContext context, AuthenticatedClient client, string templateName, string directory, bool yes, CancellationToken ct)
    {
        var packed = TemplateArchive.Pack(Path.GetFullPath(directory), TemplatesCommand.MaxArchiveBytes);
        if (!packed.Succeeded)
        {
            await context.Error.WriteLineAsync($"error: {packed.Error}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        var template = await TemplatesCommand.FindAsync(client.Api, templateName, ct).ConfigureAwait(false);
        if (template is null)
        {
            if (!yes && context.Prompter is { } prompter
                && !await prompter.ConfirmAsync($"Template \"{templateName}\" does not exist. Create it?", ct).ConfigureAwait(false))
            {
                await context.Error.WriteLineAsync("Nothing pushed.").ConfigureAwait(false);
                return ExitCodes.NotConfirmed;
            }

            // The type follows the directory: outpost.yaml is local, *.tf files are terraform.
            var provisioner = TemplateArchive.DetectProvisioner(Path.GetFullPath(directory)) ?? "local";
            template = await client.Api.CreateTemplateAsync(new CreateTemplateRequest { Name = templateName, Provisioner = provisioner }, ct).ConfigureAwait(false);
            await context.Error.WriteLineAsync($"Created template \"{template.Name}\" ({provisioner}).").ConfigureAwait(false);
        }

        var upload = await client.Api.UploadFileAsync(packed.Tar!, ct).ConfigureAwait(false);
        var version = await client.Api.CreateTemplateVersionAsync(template.Id.ToString(), new CreateTemplateVersionRequest { FileHash = upload.Hash }, ct).ConfigureAwait(false);
        await context.Error.WriteLineAsync($"Importing version \"{version.Name}\" ({packed.Tar!.Length:N0} bytes)…").ConfigureAwait(false);
        await foreach (var log in client.Api.FollowTemplateVersionLogsAsync(version.Id, ct).ConfigureAwait(false))
        {
            await context.Error.WriteLineAsync($"  {log.Output}").ConfigureAwait(false);
        }

        var imported = await client.Api.GetTemplateVersionAsync(version.Id, ct).ConfigureAwait(false);
        if (imported.Job.Status != ProvisionerJobStatus.Succeeded)
        {
            await context.Error.WriteLineAsync($"error: the import of version \"{imported.Name}\" {WireName.Of(imported.Job.Status)}: {imported.Job.Error}").ConfigureAwait(false);
            return ExitCodes.TemplateImportFailed;
        }

        await client.Api.UpdateTemplateAsync(template.Id.ToString(), new UpdateTemplateRequest { ActiveVersionId = imported.Id }, ct).ConfigureAwait(false);
        await context.Out.WriteLineAsync(imported.Name).ConfigureAwait(false);
        await context.Error.WriteLineAsync($"Version \"{imported.Name}\" of template \"{template.Name}\" is now active.").ConfigureAwait(false);
        return ExitCodes.Success;
    }
}
