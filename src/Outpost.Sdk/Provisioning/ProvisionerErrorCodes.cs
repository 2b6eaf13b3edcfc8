namespace Outpost.Sdk.Provisioning;

/// <summary>The <c>error_code</c> values daemons and provisioners send with a failed job.</summary>
public static class ProvisionerErrorCodes
{
    /// <summary>A user canceled the job.</summary>
    public const string Canceled = "canceled";

    /// <summary>The daemon was stopped and the job did not finish within the grace period.</summary>
    public const string DaemonShutdown = "daemon_shutdown";

    /// <summary>The provisioner threw; the message is the exception's.</summary>
    public const string ProvisionerError = "provisioner_error";

    /// <summary>The job names a provisioner this daemon does not run, or lacks its details.</summary>
    public const string InvalidJob = "invalid_job";

    /// <summary>The server could not load a start build's user secrets (or decrypt its state), so the build did not run.</summary>
    public const string SecretsUnavailable = "secrets_unavailable";

    /// <summary>A start build's template requires a secret its owner does not have.</summary>
    public const string SecretMissing = "secret_missing";

    /// <summary>The template archive or its <c>outpost.yaml</c> is invalid.</summary>
    public const string TemplateInvalid = "template_invalid";

    /// <summary>An agent's environment could not be merged (coder-spec §2).</summary>
    public const string EnvMerge = "env_merge";

    /// <summary>A file the job names (template or modules archive) could not be downloaded intact.</summary>
    public const string FileUnavailable = "file_unavailable";

    /// <summary>The provisioner's tool is missing or too old (no usable <c>terraform</c>).</summary>
    public const string ProvisionerUnavailable = "provisioner_unavailable";

    /// <summary>Making the workspace so failed (a directory could not be created, a process would not start).</summary>
    public const string ApplyFailed = "apply_failed";
}
