using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;

namespace Outpost.Agent.Tasks.Tools;

/// <summary>
/// <c>run_command</c>: <c>/bin/sh -c</c> in the workspace directory with the agent's rights, stdin closed, stdout
/// and stderr together kept head and tail (<see cref="ToolContext.CommandOutputLimit"/>). A timeout or a stop
/// kills the whole process tree; a stop then throws, a timeout answers the model.
/// </summary>
internal sealed class RunCommandTool : ITaskTool
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    public string Name => "run_command";

    public string Description => "Run a shell command (/bin/sh -c) in the workspace directory and get its exit code and output (stdout and stderr). Long output is cut in the middle.";

    public ToolEffect Effect => ToolEffect.Shell;

    public JsonElement Parameters { get; } = ToolArguments.Schema(
        ("command", "string", "The command line."),
        ("timeout_seconds?", "integer", "How long it may run; default 120, at most 600."));

    public string Summarize(ToolArguments arguments) => arguments.Optional("command") ?? "?";

    public async Task<ToolResult> RunAsync(ToolArguments arguments, ToolContext context, CancellationToken cancellationToken)
    {
        if (arguments.Required("command", out var error) is not { } command)
        {
            return ToolResult.Error(error!);
        }

        var timeout = arguments.Integer("timeout_seconds") is > 0 and var seconds
            ? TimeSpan.FromSeconds(Math.Min(seconds, context.MaxCommandTimeout.TotalSeconds))
            : context.DefaultCommandTimeout;
        var startInfo = Scripts.ShellStartInfo.For("/bin/sh", command, context.Workspace.Root, context.CommandEnvironment);

        // The timer starts before the process, so a test clock advanced once the command has begun always finds it.
        using var timer = new CancellationTokenSource(timeout, context.Time);
        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException)
        {
            return ToolResult.Error($"the command could not start: {ex.Message}");
        }

        process.StandardInput.Close();
        var output = new HeadTail(context.CommandOutputLimit);
        using var abandon = new CancellationTokenSource();
        var pumps = Task.WhenAll(PumpAsync(process.StandardOutput, output, abandon.Token), PumpAsync(process.StandardError, output, abandon.Token));
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, cancellationToken);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            timedOut = !cancellationToken.IsCancellationRequested;
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It ended between the timeout and the kill.
            }

            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }

        try
        {
            await pumps.WaitAsync(DrainTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A child that left the tree still holds the pipes: what was read is what there is.
            await abandon.CancelAsync().ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var text = output.ToString();
        return timedOut
            ? ToolResult.Error($"the command ran past its timeout of {timeout.TotalSeconds:0} s and was killed; its output so far:\n{text}")
            : new ToolResult($"exit code {process.ExitCode}\n{text}", process.ExitCode != 0);
    }

    private static async Task PumpAsync(StreamReader reader, HeadTail output, CancellationToken cancellationToken)
    {
        var buffer = new char[4096];
        try
        {
            int read;
            while ((read = await reader.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                output.Append(buffer.AsSpan(0, read));
            }
        }
        catch (OperationCanceledException)
        {
            // Abandoned after the drain timeout.
        }
    }
}
