using Outpost.Cli.Workspaces;
using Outpost.Sdk;
using Outpost.Sdk.Provisioning;
using Outpost.Workflows.Engine;

namespace Outpost.Cli.Workflows.Methods;

/// <summary>
/// <c>outpost/workspace</c>: the workspace verbs (<c>outpost create|start|stop|restart|update|delete</c>)
/// run by the same code, following each build to its end (and the agents to ready after a start) unless
/// <c>wait: false</c>. A build already under way is waited for (<c>waitForBusy</c>, default true);
/// <c>delete</c> needs no confirmation. Ctrl-C stops the waiting and the step says what goes on, unless
/// <c>cancelOnInterrupt: true</c>.
/// </summary>
internal sealed class WorkspaceModel : IWorkflowModel
{
    public string Type => "outpost/workspace";

    public IReadOnlyList<string> Methods { get; } = ["create", "start", "stop", "restart", "update", "delete", "wait-ready"];

    private static IReadOnlyList<string> Known(string method) => method switch
    {
        "create" => ["name", "template", "parameters", "wait", "cancelOnInterrupt"],
        "wait-ready" => ["name"],
        _ => ["name", "wait", "waitForBusy", "cancelOnInterrupt"],
    };

    public string? Check(MethodCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return Read(call).Inputs.Error ?? LocalOnly(Type, call.Driver);
    }

    /// <summary>Models that talk to the server run where the CLI runs: <c>workspace:</c> drivers are for shell commands.</summary>
    public static string? LocalOnly(string type, string driver) =>
        driver == Drivers.Local ? null : $"{type} runs on the {Drivers.Local} driver only, not \"{driver}\" ({Drivers.WorkspacePrefix}<name> is for command/shell)";

    private static (MethodInputs Inputs, string Name, string? Template, IReadOnlyDictionary<string, string> Parameters, BuildFlags Flags) Read(MethodCall call)
    {
        var inputs = new MethodInputs($"{call.Model} {call.Method}", call.Inputs, Known(call.Method));
        var name = inputs.Text("name");
        var template = call.Method == "create" ? inputs.Text("template") : null;
        var parameters = call.Method == "create" ? inputs.Map("parameters") : new Dictionary<string, string>();
        var flags = new BuildFlags(
            NoWait: call.Method != "wait-ready" && !inputs.Flag("wait", fallback: true),
            WaitForBusy: call.Method is not ("create" or "wait-ready") && inputs.Flag("waitForBusy", fallback: true),
            CancelOnInterrupt: call.Method != "wait-ready" && inputs.Flag("cancelOnInterrupt", fallback: false));
        return (inputs, name, template, parameters, flags);
    }

    public async Task<MethodResult> InvokeAsync(MethodCall call, MethodHost host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(host);
        var (_, name, template, parameters, flags) = Read(call);
        var client = await host.ClientAsync(cancellationToken).ConfigureAwait(false);
        var console = new StepConsole(call.Output);
        var context = host.For(console);
        int exitCode;
        try
        {
            exitCode = await RunVerbAsync(call.Method, context, client, name, template, parameters, flags, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Interrupted before the build was being followed: say so, since the request may have reached the server.
            return MethodResult.Failure($"Interrupted while the {call.Method} of {name} was being requested; the server may have received it: check with `outpost show {name}`.");
        }

        var outputs = new Dictionary<string, object?>(StringComparer.Ordinal) { ["name"] = name };
        if (exitCode == 0 && call.Method != "delete")
        {
            var workspace = await client.Api.GetWorkspaceByNameAsync("me", name, cancellationToken).ConfigureAwait(false);
            outputs["id"] = workspace.Id.ToString("D");
            outputs["status"] = WireName.Of(workspace.Status);
            outputs["buildNumber"] = (long)workspace.LatestBuild.BuildNumber;
        }

        return MethodHost.Result(exitCode, console, outputs);
    }

    private static async Task<int> RunVerbAsync(string method, Hosting.CliContext context, Hosting.AuthenticatedClient client, string name, string? template,
        IReadOnlyDictionary<string, string> parameters, BuildFlags flags, CancellationToken cancellationToken) => method switch
    {
        "create" => await CreateCommand.RunAsync(context, client, name, template!, [.. parameters.Select(p => $"{p.Key}={p.Value}")], flags, cancellationToken).ConfigureAwait(false),
        "start" => await TransitionCommand.RunAsync(context, client, WorkspaceTransition.Start, name, yes: true, flags, cancellationToken).ConfigureAwait(false),
        "stop" => await TransitionCommand.RunAsync(context, client, WorkspaceTransition.Stop, name, yes: true, flags, cancellationToken).ConfigureAwait(false),
        "delete" => await TransitionCommand.RunAsync(context, client, WorkspaceTransition.Delete, name, yes: true, flags, cancellationToken).ConfigureAwait(false),
        "restart" => await RestartCommand.RunAsync(context, client, name, flags, cancellationToken).ConfigureAwait(false),
        "update" => await UpdateCommand.RunAsync(context, client, name, flags, cancellationToken).ConfigureAwait(false),
        _ => await WaitReadyAsync(context, client, name, cancellationToken).ConfigureAwait(false),
    };

    /// <summary>Follows the workspace's latest build to its end and, after a start, its agents to ready.</summary>
    private static async Task<int> WaitReadyAsync(Hosting.CliContext context, Hosting.AuthenticatedClient client, string name, CancellationToken cancellationToken)
    {
        var workspace = await client.Api.GetWorkspaceByNameAsync("me", name, cancellationToken).ConfigureAwait(false);
        return await new WorkspaceBuildRunner(context, client, workspace).FollowAsync(workspace.LatestBuild, new BuildFlags(NoWait: false, WaitForBusy: false, CancelOnInterrupt: false), cancellationToken).ConfigureAwait(false);
    }
}
