using System.Runtime.InteropServices;
using System.Text.Json;
using Outpost.Sdk;
using Outpost.Telemetry;

namespace Outpost.Cli.Invocations;

/// <summary>The outcome class of an invocation (seed 004): user errors are the user's to fix.</summary>
internal static class InvocationStatus
{
    public const string Success = "success";
    public const string Error = "error";
    public const string UserError = "user_error";

    public static string FromExitCode(int exitCode) => exitCode switch
    {
        ExitCodes.Success => Success,
        ExitCodes.Usage or ExitCodes.NotLoggedIn or ExitCodes.SessionExpired => UserError,
        _ => Error,
    };
}

/// <summary>
/// Records the one <c>cli_invocation</c> entry of an <c>outpost</c> run. The invocation id is allocated
/// when the command starts, so entries written during the run (workflow steps) can name it as their
/// <c>parentInvocationId</c>. Recording is best effort: it never changes the exit code or the output.
/// </summary>
internal sealed class InvocationRecorder(ITelemetryReporter telemetry, TimeProvider time, Func<string, string?> environment, bool interactive)
{
    public const string EventName = "cli_invocation";

    private readonly long _startTimestamp = time.GetTimestamp();

    public string InvocationId { get; } = Guid.NewGuid().ToString();

    public DateTimeOffset StartedAt { get; } = time.GetUtcNow();

    public void Record(CommandInfo info, int exitCode, Exception? error = null)
    {
        try
        {
            var completedAt = time.GetUtcNow();
            var properties = new TelemetryProperties
            {
                { "invocationId", InvocationId },
                { "command", info.Command },
                { "args", JsonSerializer.Serialize(info.Args, InvocationJsonContext.Default.IReadOnlyListString) },
                { "optionKeys", JsonSerializer.Serialize(info.OptionKeys, InvocationJsonContext.Default.IReadOnlyListString) },
                { "globalOptions", JsonSerializer.Serialize(info.GlobalOptions, InvocationJsonContext.Default.IReadOnlyListString) },
                { "status", error is null ? InvocationStatus.FromExitCode(exitCode) : InvocationStatus.Error },
                { "exitCode", (long)exitCode },
                { "startedAt", StartedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture) },
                { "completedAt", completedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture) },
                { "version", BuildVersion.Version },
                { "platform", OperatingSystem.IsLinux() ? "linux" : OperatingSystem.IsMacOS() ? "darwin" : RuntimeInformation.OSDescription },
                { "isInteractive", interactive },
            };
            if (info.Subcommand is not null)
            {
                properties.Add("subcommand", info.Subcommand);
            }

            if (error is not null)
            {
                properties.Add("errorType", error.GetType().Name);
                if (FirstLine(error.Message) is { Length: > 0 } message)
                {
                    properties.Add("errorMessage", message);
                }
            }

            var (agentSession, tool) = DetectAgentSession(environment);
            properties.Add("agentSessionDetected", agentSession);
            if (tool is not null)
            {
                properties.Add("detectedAiTool", tool);
            }

            telemetry.Log(EventName, properties, new TelemetryMeasurements { { "durationMs", time.GetElapsedTime(_startTimestamp).TotalMilliseconds } });
        }
#pragma warning disable CA1031 // Recording must never change the command's outcome.
        catch (Exception)
#pragma warning restore CA1031
        {
            // The telemetry service logs its own failures once; nothing more to do here.
        }
    }

    private static string? FirstLine(string message)
    {
        var newline = message.IndexOfAny(['\r', '\n']);
        return newline < 0 ? message : message[..newline];
    }

    /// <summary>
    /// Whether an AI coding agent runs this command (swamp spec §3.4), from a fixed whitelist of
    /// variables; no other environment variable is ever read for telemetry.
    /// </summary>
    internal static (bool Detected, string? Tool) DetectAgentSession(Func<string, string?> environment)
    {
        var termProgram = environment("TERM_PROGRAM");
        if (environment("CLAUDECODE") == "1" || environment("CLAUDE_CODE_ENTRYPOINT") is not null)
        {
            return (true, "claude");
        }

        if (termProgram == "cursor" || environment("CURSOR_TRACE_ID") is not null)
        {
            return (true, "cursor");
        }

        if (termProgram == "kiro" || environment("KIRO_AGENT") == "1")
        {
            return (true, "kiro");
        }

        if (environment("OPENCODE_VERSION") is not null || termProgram == "opencode")
        {
            return (true, "opencode");
        }

        if (environment("CODEX_AGENT_HARNESS") == "1")
        {
            return (true, "codex");
        }

        var generic = new[] { "AGENT", "AI_AGENT", "IS_AGENT" }.Select(environment)
            .Any(v => !string.IsNullOrEmpty(v) && v != "0" && !string.Equals(v, "false", StringComparison.OrdinalIgnoreCase));
        return (generic, null);
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class InvocationJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
