namespace Outpost.Cli;

/// <summary>The process exit codes of <c>outpost</c>; scripts may rely on them.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>A failure that is not one of the named ones below.</summary>
    public const int Failure = 1;

    /// <summary>The command line could not be parsed or a flag value is invalid.</summary>
    public const int Usage = 2;

    /// <summary>The server could not start (port taken, database unreachable, no PostgreSQL).</summary>
    public const int ServerStartFailed = 3;

    /// <summary>The session expired and could not be recovered: run <c>outpost login</c>.</summary>
    public const int SessionExpired = 4;

    /// <summary>No session is stored: run <c>outpost login &lt;url&gt;</c>.</summary>
    public const int NotLoggedIn = 5;

    /// <summary>The server could not be reached.</summary>
    public const int Unreachable = 6;

    /// <summary>The server refused the provisioner key (<c>outpost provisionerd start</c>).</summary>
    public const int ProvisionerKeyRefused = 7;

    /// <summary>The deployment refused the credentials given to <c>outpost login</c> (a wrong password or API token).</summary>
    public const int LoginRefused = 10;

    /// <summary>The server does not know what the command named (HTTP 404): a workspace, template or token.</summary>
    public const int NotFound = 11;

    /// <summary>The server refused the request in the resource's current state (HTTP 409), e.g. a build it will not queue.</summary>
    public const int Refused = 12;

    /// <summary>The server rejected a value of the request (HTTP 400 or 422): a name, a parameter, a field.</summary>
    public const int InvalidRequest = 13;

    /// <summary><c>outpost telemetry export</c> could not read the files or write its output.</summary>
    public const int TelemetryExportFailed = 20;

    /// <summary><c>outpost templates push</c>: the new version's import failed (its errors are printed).</summary>
    public const int TemplateImportFailed = 30;

    /// <summary>A build that <c>--wait</c> followed failed or was canceled.</summary>
    public const int BuildFailed = 31;

    /// <summary>A destructive verb needs confirmation: pass <c>--yes</c> when not on a terminal.</summary>
    public const int NotConfirmed = 32;

    /// <summary>The build finished, but an agent never became ready (it timed out connecting).</summary>
    public const int AgentsNotReady = 33;

    /// <summary>Another build of the workspace is still active: pass <c>--wait</c> to wait for it first.</summary>
    public const int WorkspaceBusy = 34;

    /// <summary><c>outpost diagnose</c> found an incident that needs investigating.</summary>
    public const int NeedsInvestigation = 35;

    /// <summary><c>outpost agent</c> stopped with its shutdown scripts failed or timed out (the lifecycle says which).</summary>
    public const int AgentShutdownFailed = 40;

    /// <summary><c>outpost agent</c> was stopped before it ever received its manifest (a wrong token or an unreachable server; its log says which).</summary>
    public const int AgentNeverStarted = 41;

    /// <summary>A bug: an exception nobody expected.</summary>
    public const int InternalError = 70;

    /// <summary>Ctrl-C while waiting: the waiting stopped (the build goes on unless <c>--cancel-on-interrupt</c>).</summary>
    public const int Interrupted = 130;
}
