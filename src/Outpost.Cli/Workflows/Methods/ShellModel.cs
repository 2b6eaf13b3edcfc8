using System.ComponentModel;
using System.Diagnostics;
using Outpost.Workflows.Engine;

namespace Outpost.Cli.Workflows.Methods;

/// <summary>
/// <c>command/shell run</c>: a command with <c>args</c> (no shell unless the command is one), <c>env</c>,
/// <c>workingDirectory</c> and a <c>timeout</c>; stdout and stderr are logged and kept as outputs with
/// <c>exitCode</c>, and any exit code but 0 fails the step. On the <c>local</c> driver it is a process
/// here; on <c>workspace:&lt;name&gt;</c> it runs in that workspace, as <c>outpost/workspace-exec</c> does.
/// </summary>
internal sealed class ShellModel : IWorkflowModel
{
    public string Type => "command/shell";

    public IReadOnlyList<string> Methods { get; } = ["run"];

    public string? Check(MethodCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return Read(call).Inputs.Error;
    }

    internal sealed record Command(MethodInputs Inputs, string Program, IReadOnlyList<string> Args, IReadOnlyDictionary<string, string> Env, string? WorkingDirectory, TimeSpan? Timeout);

    private static Command Read(MethodCall call)
    {
        var inputs = new MethodInputs($"{call.Model} {call.Method}", call.Inputs, ["command", "args", "env", "workingDirectory", "timeout"]);
        return new Command(inputs, inputs.Text("command"), inputs.List("args"), inputs.Map("env"), inputs.OptionalText("workingDirectory"), inputs.Duration("timeout"));
    }

    public Task<MethodResult> InvokeAsync(MethodCall call, MethodHost host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(host);
        var command = Read(call);
        return Drivers.Workspace(call.Driver) is { } workspace
            ? WorkspaceExecModel.RunAsync(call, host, workspace, command, start: false, cancellationToken)
            : RunLocalAsync(call, command, cancellationToken);
    }

    /// <summary>After a kill, how long the output readers may take to drain what the pipes still hold.</summary>
    internal static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    private static async Task<MethodResult> RunLocalAsync(MethodCall call, Command command, CancellationToken cancellationToken)
    {
        // The command leads a process group of its own (ProcessGroup.Leading), so a cancel kills everything it started,
        // even a process that left its tree (a subshell's background job, or a child forked at the moment of the kill):
        // the tree walk alone left those running, holding the output pipes.
        var leader = ProcessGroup.Leading(command.Program);
        var startInfo = new ProcessStartInfo(leader?.FileName ?? command.Program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = command.WorkingDirectory ?? string.Empty,
        };
        if (leader is not null)
        {
            startInfo.ArgumentList.Add(leader.Program);
        }

        foreach (var arg in command.Args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in command.Env)
        {
            startInfo.Environment[name] = value;
        }

        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            return MethodResult.Failure($"cannot start \"{command.Program}\": {ex.Message}");
        }

        process.StandardInput.Close();
        var stdout = new OutputCapture("stdout", call.Output);
        var stderr = new OutputCapture("stderr", call.Output);
        var reading = Task.WhenAll(PumpAsync(process.StandardOutput, stdout), PumpAsync(process.StandardError, stderr));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (command.Timeout is { } limit)
        {
            timeout.CancelAfter(limit);
        }

        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            if (leader is not null)
            {
                ProcessGroup.Kill(process.Id);
            }

            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                await reading.WaitAsync(DrainTimeout).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // A descendant that left the group (setsid, daemonised) still holds the pipes: stop waiting for them.
            }

            cancellationToken.ThrowIfCancellationRequested();
            return MethodResult.Failure($"\"{command.Program}\" timed out after {command.Timeout}; it was killed", Outputs(null, stdout, stderr));
        }

        await reading.ConfigureAwait(false);
        return Finish(command.Program, process.ExitCode, stdout, stderr);
    }

    private static async Task PumpAsync(StreamReader reader, OutputCapture capture)
    {
        var buffer = new char[4096];
        int count;
        while ((count = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            capture.Append(buffer.AsSpan(0, count));
        }

        capture.Complete();
    }

    internal static Dictionary<string, object?> Outputs(int? exitCode, OutputCapture stdout, OutputCapture stderr) => new(StringComparer.Ordinal)
    {
        ["exitCode"] = exitCode is { } code ? (long)code : null,
        ["stdout"] = stdout.Text,
        ["stderr"] = stderr.Text,
    };

    /// <summary>A finished command: succeeded on 0, else failed naming the code (the outputs are kept either way).</summary>
    internal static MethodResult Finish(string program, int exitCode, OutputCapture stdout, OutputCapture stderr) => exitCode == 0
        ? MethodResult.Success(Outputs(exitCode, stdout, stderr))
        : MethodResult.Failure($"\"{program}\" exited with code {exitCode}", Outputs(exitCode, stdout, stderr));
}
