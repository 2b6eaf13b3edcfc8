using Outpost.Cli.Templates;
using Outpost.Sdk.Templates;
using Outpost.Workflows.Engine;

namespace Outpost.Cli.Workflows.Methods;

/// <summary>
/// <c>outpost/template</c>: <c>push</c> is <c>outpost templates push NAME --directory DIR --yes</c> (the new
/// version imported and made active; output <c>version</c>); <c>activate</c> makes a named version active.
/// </summary>
internal sealed class TemplateModel : IWorkflowModel
{
    public string Type => "outpost/template";

    public IReadOnlyList<string> Methods { get; } = ["push", "activate"];

    public string? Check(MethodCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return Read(call).Inputs.Error ?? WorkspaceModel.LocalOnly(Type, call.Driver);
    }

    private static (MethodInputs Inputs, string Name, string Other) Read(MethodCall call)
    {
        var inputs = new MethodInputs($"{call.Model} {call.Method}", call.Inputs, call.Method == "push" ? ["name", "directory"] : ["name", "version"]);
        return (inputs, inputs.Text("name"), inputs.Text(call.Method == "push" ? "directory" : "version"));
    }

    public async Task<MethodResult> InvokeAsync(MethodCall call, MethodHost host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(host);
        var (_, name, other) = Read(call);
        var client = await host.ClientAsync(cancellationToken).ConfigureAwait(false);
        if (call.Method == "activate")
        {
            var versions = await client.Api.ListTemplateVersionsAsync(name, cancellationToken).ConfigureAwait(false);
            if (versions.FirstOrDefault(version => version.Name == other) is not { } version)
            {
                return MethodResult.Failure($"template \"{name}\" has no version \"{other}\" (it has {string.Join(", ", versions.Select(v => v.Name))})");
            }

            var template = await client.Api.UpdateTemplateAsync(name, new UpdateTemplateRequest { ActiveVersionId = version.Id }, cancellationToken).ConfigureAwait(false);
            call.Output($"Version \"{version.Name}\" of template \"{template.Name}\" is now active.");
            return MethodResult.Success(new Dictionary<string, object?> { ["name"] = template.Name, ["version"] = version.Name });
        }

        var console = new StepConsole(call.Output);
        var exitCode = await TemplatePushCommand.RunAsync(host.For(console), client, name, other, yes: true, cancellationToken).ConfigureAwait(false);
        return MethodHost.Result(exitCode, console, new Dictionary<string, object?> { ["name"] = name, ["version"] = console.StdoutLines.LastOrDefault() });
    }
}
