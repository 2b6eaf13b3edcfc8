using Outpost.Cli.Connect;
using Outpost.Workflows.Engine;

namespace Outpost.Cli.Workflows.Methods;

/// <summary>
/// <c>outpost/workspace-exec run</c>: a command inside a workspace (<c>workspace</c>, or <c>NAME.AGENT</c>),
/// through an exec session, the code behind <c>outpost ssh WORKSPACE -- COMMAND…</c>; <c>start: true</c>
/// starts a stopped workspace first. Outputs and failure as <c>command/shell run</c>.
/// </summary>
internal sealed class WorkspaceExecModel : IWorkflowModel
{
    public string Type => "outpost/workspace-exec";

    public IReadOnlyList<string> Methods { get; } = ["run"];

    public string? Check(MethodCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return Read(call).Command.Inputs.Error ?? WorkspaceModel.LocalOnly(Type, call.Driver);
    }

    private static (ShellModel.Command Command, string Workspace, bool Start) Read(MethodCall call)
    {
        var inputs = new MethodInputs($"{call.Model} {call.Method}", call.Inputs, ["workspace", "command", "args", "env", "workingDirectory", "timeout", "start"]);
        var workspace = inputs.Text("workspace");
        var command = new ShellModel.Command(inputs, inputs.Text("command"), inputs.List("args"), inputs.Map("env"), inputs.OptionalText("workingDirectory"), inputs.Duration("timeout"));
        return (command, workspace, inputs.Flag("start", fallback: false));
    }

    public Task<MethodResult> InvokeAsync(MethodCall call, MethodHost host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var (command, workspace, start) = Read(call);
        return RunAsync(call, host, workspace, command, start, cancellationToken);
    }

    /// <summary>Runs <paramref name="command"/> in <paramref name="workspace"/> over an exec session, within its timeout.</summary>
    internal static async Task<MethodResult> RunAsync(MethodCall call, MethodHost host, string workspace, ShellModel.Command command, bool start, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        var client = await host.ClientAsync(cancellationToken).ConfigureAwait(false);
        var console = new StepConsole(call.Output);
        var context = host.For(console);
        var stdout = new OutputCapture("stdout", call.Output);
        var stderr = new OutputCapture("stderr", call.Output);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (command.Timeout is { } limit)
        {
            timeout.CancelAfter(limit);
        }

        int exitCode;
        try
        {
            exitCode = await SshCommand.ExecAsync(context, new AgentConnector(context, client), workspace, start, [command.Program, .. command.Args],
                new SshCommand.ExecStreams(null, stdout.AsStream(), stderr.AsStream()) { Env = command.Env, Cwd = command.WorkingDirectory }, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return MethodResult.Failure($"\"{command.Program}\" in {workspace} timed out after {command.Timeout}; its session was closed", ShellModel.Outputs(null, stdout, stderr));
        }

        stdout.Complete();
        stderr.Complete();
        if (exitCode == SshCommand.SessionFailed && console.LastError is { } sessionError)
        {
            return MethodResult.Failure($"{sessionError} (in {workspace})", ShellModel.Outputs(null, stdout, stderr));
        }

        return console.LastError is { } error && stdout.Text.Length == 0 && stderr.Text.Length == 0 && exitCode != 0
            ? MethodResult.Failure(error, ShellModel.Outputs(exitCode, stdout, stderr))
            : ShellModel.Finish(command.Program, exitCode, stdout, stderr);
    }
}
