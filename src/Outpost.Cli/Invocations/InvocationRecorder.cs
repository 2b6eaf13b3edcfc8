using System.Runtime.InteropServices;
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
        ExitCodes.Usage or ExitCodes.NotLoggedIn or ExitCodes.SessionExpired or ExitCodes.LoginRefused or ExitCodes.NotFound
            or ExitCodes.Refused or ExitCodes.InvalidRequest or ExitCodes.WorkspaceBusy or ExitCodes.NotConfirmed => UserError,
        _ => Error,
    };

    /// <summary>
    /// <c>errorType</c> and <c>errorMessage</c> for an exit code when no exception says more. Fixed
    /// texts: a parse error's own message quotes what the user typed, so it is never used.
    /// </summary>
    public static (string Type, string Message) Describe(int exitCode) => exitCode switch
    {
        ExitCodes.Usage => ("UsageError", "the command line or a flag value is invalid"),
        ExitCodes.ServerStartFailed => ("ServerStartFailed", "the server could not start"),
        ExitCodes.SessionExpired => ("SessionExpired", "the session expired and could not be recovered"),
        ExitCodes.NotLoggedIn => ("NotLoggedIn", "not logged in"),
        ExitCodes.Unreachable => ("Unreachable", "the server could not be reached"),
        ExitCodes.ProvisionerKeyRefused => ("ProvisionerKeyRefused", "the server refused the provisioner key"),
        ExitCodes.LoginRefused => ("LoginRefused", "the deployment refused the credentials"),
        ExitCodes.NotFound => ("NotFound", "the server does not know what the command named"),
        ExitCodes.Refused => ("Refused", "the server refused the request in the resource's current state"),
        ExitCodes.InvalidRequest => ("InvalidRequest", "the server rejected a value of the request"),
        ExitCodes.TelemetryExportFailed => ("TelemetryExportFailed", "the telemetry export failed"),
        ExitCodes.TemplateImportFailed => ("TemplateImportFailed", "the template version's import failed"),
        ExitCodes.BuildFailed => ("BuildFailed", "the build failed or was canceled"),
        ExitCodes.NotConfirmed => ("NotConfirmed", "the command was not confirmed"),
        ExitCodes.AgentsNotReady => ("AgentsNotReady", "an agent never became ready"),
        ExitCodes.WorkspaceBusy => ("WorkspaceBusy", "another build of the workspace is still active"),
        ExitCodes.NeedsInvestigation => ("NeedsInvestigation", "diagnose found an incident that needs investigating"),
        ExitCodes.AgentShutdownFailed => ("AgentShutdownFailed", "the agent's shutdown scripts failed"),
        ExitCodes.AgentNeverStarted => ("AgentNeverStarted", "the agent never received its manifest"),
        ExitCodes.InternalError => ("InternalError", "internal error"),
        ExitCodes.Interrupted => ("Interrupted", "interrupted"),
        _ => ("Failure", "the command failed"),
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

    /// <summary>
    /// Writes the entry. <paramref name="error"/> is an internal error (status <c>error</c> whatever
    /// the code); <paramref name="failure"/> the exception a command ended with, if any. Every
    /// <c>user_error</c> and <c>error</c> carries <c>errorType</c> and a redacted <c>errorMessage</c>.
    /// </summary>
    public void Record(CommandInfo info, int exitCode, Exception? error = null, Exception? failure = null)
    {
        try
        {
            var status = error is null ? InvocationStatus.FromExitCode(exitCode) : InvocationStatus.Error;
            var properties = Properties(InvocationId, info, status, exitCode, StartedAt, time.GetUtcNow(), interactive);
            if (status != InvocationStatus.Success)
            {
                var (type, message) = InvocationStatus.Describe(exitCode);
                if ((error ?? failure) is { } cause)
                {
                    type = cause.GetType().Name;
                    message = FirstLine(cause.Message) is { Length: > 0 } line ? line : message;
                }

                // TelemetryProperties redacts the message like every other string property.
                properties.Add("errorType", type);
                properties.Add("errorMessage", message);
            }

            AddAgentSession(properties, environment);
            telemetry.Log(EventName, properties, new TelemetryMeasurements { { "durationMs", time.GetElapsedTime(_startTimestamp).TotalMilliseconds } });
        }
#pragma warning disable CA1031 // Recording must never change the command's outcome.
        catch (Exception)
#pragma warning restore CA1031
        {
            // The telemetry service logs its own failures once; nothing more to do here.
        }
    }

    /// <summary>
    /// A child entry (spec §5.4): a fresh id, the caller's timestamps (the same instant gives 0 ms),
    /// <c>parentInvocationId</c>, and the extra (flat) properties such as <c>workflowContext.*</c>; an
    /// error makes it <c>error</c> with exit code 1 and errorType <c>Error</c> (spec §3.3). Unlike
    /// <see cref="Record"/> it lets the sink's exceptions through: its caller decides.
    /// </summary>
    public static void RecordChild(ITelemetryReporter telemetry, Func<string, string?> environment, bool interactive, CommandInfo info, string parentInvocationId,
        DateTimeOffset startedAt, DateTimeOffset completedAt, string? error, IEnumerable<KeyValuePair<string, string>> extra)
    {
        ArgumentNullException.ThrowIfNull(telemetry);
        ArgumentNullException.ThrowIfNull(extra);
        var properties = Properties(Guid.NewGuid().ToString(), info, error is null ? InvocationStatus.Success : InvocationStatus.Error, error is null ? ExitCodes.Success : ExitCodes.Failure,
            startedAt, completedAt, interactive);
        if (error is not null)
        {
            properties.Add("errorType", "Error");
            properties.Add("errorMessage", FirstLine(error) is { Length: > 0 } line ? line : "the method failed");
        }

        AddAgentSession(properties, environment);
        properties.Add("parentInvocationId", parentInvocationId);
        foreach (var (key, value) in extra)
        {
            properties.Add(key, value);
        }

        telemetry.Log(EventName, properties, new TelemetryMeasurements { { "durationMs", (completedAt - startedAt).TotalMilliseconds } });
    }

    private static TelemetryProperties Properties(string invocationId, CommandInfo info, string status, int exitCode, DateTimeOffset startedAt, DateTimeOffset completedAt, bool interactive)
    {
        var properties = new TelemetryProperties
        {
            { "invocationId", invocationId },
            { "command", info.Command },
            { "args", info.Args },
            { "optionKeys", info.OptionKeys },
            { "globalOptions", info.GlobalOptions },
            { "status", status },
            { "exitCode", (long)exitCode },
            { "startedAt", startedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture) },
            { "completedAt", completedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture) },
            { "version", BuildVersion.Version },
            { "platform", OperatingSystem.IsLinux() ? "linux" : OperatingSystem.IsMacOS() ? "darwin" : RuntimeInformation.OSDescription },
            { "isInteractive", interactive },
        };
        if (info.Subcommand is not null)
        {
            properties.Add("subcommand", info.Subcommand);
        }

        return properties;
    }

    private static void AddAgentSession(TelemetryProperties properties, Func<string, string?> environment)
    {
        var (agentSession, tool) = DetectAgentSession(environment);
        properties.Add("agentSessionDetected", agentSession);
        if (tool is not null)
        {
            properties.Add("detectedAiTool", tool);
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

