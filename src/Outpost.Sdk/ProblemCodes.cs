namespace Outpost.Sdk;

/// <summary>
/// The stable, machine-readable <c>code</c> of every problem the server answers with
/// (<see cref="ApiProblem.Code"/>). Clients decide on these, never on the message text, which is
/// written for people and may change. docs/api-errors.md lists them with their statuses.
/// </summary>
public static class ProblemCodes
{
    // Generic codes: every problem carries at least the one for its status.

    /// <summary>400: the request is malformed (unreadable JSON, a wrong type, a missing required field).</summary>
    public const string InvalidRequest = "invalid_request";

    /// <summary>400: the request is well formed but a value is not acceptable (a name, a limit, a filter).</summary>
    public const string ValidationFailed = "validation_failed";

    /// <summary>401: no credentials, or credentials that were not accepted.</summary>
    public const string Unauthorized = "unauthorized";

    /// <summary>403: the caller is known but may not do this.</summary>
    public const string Forbidden = "forbidden";

    /// <summary>404: the thing the request names does not exist, or the caller may not see it.</summary>
    public const string NotFound = "not_found";

    /// <summary>405: the route exists but not with this method.</summary>
    public const string MethodNotAllowed = "method_not_allowed";

    /// <summary>409: the request conflicts with the current state.</summary>
    public const string Conflict = "conflict";

    /// <summary>413: the request (or a part of it) is larger than the server accepts.</summary>
    public const string PayloadTooLarge = "payload_too_large";

    /// <summary>415: the request body is not in a media type the endpoint reads.</summary>
    public const string UnsupportedMediaType = "unsupported_media_type";

    /// <summary>422: the request was understood but could not be carried out.</summary>
    public const string Unprocessable = "unprocessable";

    /// <summary>429: too many requests; wait and retry.</summary>
    public const string RateLimited = "rate_limited";

    /// <summary>500: a fault in the server. Never a refusal: report it.</summary>
    public const string InternalError = "internal_error";

    /// <summary>503: the server cannot answer right now (shutting down, or a check failed); retry later.</summary>
    public const string Unavailable = "unavailable";

    /// <summary>503: the server cannot reach its PostgreSQL database; retry after <c>Retry-After</c>.</summary>
    public const string DatabaseUnavailable = "database_unavailable";

    // Authentication.

    /// <summary>401: the user token is malformed, unknown, expired, revoked, of the wrong kind, or its user is suspended.</summary>
    public const string TokenInvalid = "token_invalid";

    /// <summary>401: the workspace agent token is missing or not accepted.</summary>
    public const string AgentTokenInvalid = "agent_token_invalid";

    /// <summary>401: an instance identity document was not accepted (signature, certificate, audience, expiry, or an instance no agent is registered for).</summary>
    public const string InstanceIdentityInvalid = "instance_identity_invalid";

    /// <summary>409: several root agents share the instance identity and the request named none; <c>agent_names</c> lists them.</summary>
    public const string AgentNameRequired = "agent_name_required";

    /// <summary>401: the provisioner key is missing or not accepted.</summary>
    public const string ProvisionerKeyInvalid = "provisioner_key_invalid";

    // Users and tokens.

    /// <summary>401: the email or password of a login is wrong (which one is not said).</summary>
    public const string InvalidCredentials = "invalid_credentials";

    /// <summary>404: there is no such user (or none the caller may see).</summary>
    public const string UserNotFound = "user_not_found";

    /// <summary>409: a user with that username or email already exists.</summary>
    public const string UserExists = "user_exists";

    /// <summary>404: there is no such API token.</summary>
    public const string TokenNotFound = "token_not_found";

    /// <summary>409: an API token with that name already exists.</summary>
    public const string TokenExists = "token_exists";

    // Templates and files.

    /// <summary>404 (400 where a workspace names it): there is no such template.</summary>
    public const string TemplateNotFound = "template_not_found";

    /// <summary>409: a template with that name already exists.</summary>
    public const string TemplateExists = "template_exists";

    /// <summary>404 (400 where a build names it): there is no such template version.</summary>
    public const string TemplateVersionNotFound = "template_version_not_found";

    /// <summary>409: a version with that name already exists in the template.</summary>
    public const string TemplateVersionExists = "template_version_exists";

    /// <summary>409: the template has no active version to build yet.</summary>
    public const string TemplateNoActiveVersion = "template_no_active_version";

    /// <summary>409: the version's import has not succeeded, so it cannot be built or activated.</summary>
    public const string TemplateVersionNotReady = "template_version_not_ready";

    /// <summary>400: no uploaded file has that hash.</summary>
    public const string FileNotFound = "file_not_found";

    /// <summary>400: the upload is not a usable template archive.</summary>
    public const string InvalidArchive = "invalid_archive";

    // Workspaces and builds.

    /// <summary>404: there is no such workspace (or none the caller may see).</summary>
    public const string WorkspaceNotFound = "workspace_not_found";

    /// <summary>409: the owner already has a workspace with that name.</summary>
    public const string WorkspaceExists = "workspace_exists";

    /// <summary>409: another build of the workspace is still pending, running or canceling.</summary>
    public const string WorkspaceBusy = "workspace_busy";

    /// <summary>404: there is no such build.</summary>
    public const string BuildNotFound = "build_not_found";

    /// <summary>409: the build has already completed and cannot be canceled.</summary>
    public const string BuildNotCancelable = "build_not_cancelable";

    /// <summary>400: parameter values do not resolve against the template version (unknown, missing, wrong type, immutable).</summary>
    public const string InvalidParameters = "invalid_parameters";

    /// <summary>404: there is no such workspace agent.</summary>
    public const string AgentNotFound = "agent_not_found";

    // Provisioner daemons.

    /// <summary>404: there is no such provisioner job (or it is not held by this daemon).</summary>
    public const string JobNotFound = "job_not_found";

    /// <summary>409: the job is no longer held by this daemon, or has already completed.</summary>
    public const string JobConflict = "job_conflict";

    /// <summary>422: the server failed the build instead of completing it (an environment merge error).</summary>
    public const string BuildFailedByServer = "build_failed_by_server";

    /// <summary>404: there is no such provisioner key.</summary>
    public const string ProvisionerKeyNotFound = "provisioner_key_not_found";

    /// <summary>409: a provisioner key with that name already exists.</summary>
    public const string ProvisionerKeyExists = "provisioner_key_exists";

    // User secrets (docs/secrets.md). Each 400 names the field in the problem's errors.

    /// <summary>400: the secret's name is empty, too long or has characters outside letters, digits, '_', '-' and '.'.</summary>
    public const string SecretNameInvalid = "secret_name_invalid";

    /// <summary>400: the env name is not POSIX, is reserved, or has a reserved prefix.</summary>
    public const string SecretEnvInvalid = "secret_env_invalid";

    /// <summary>400: the file path does not start with ~/ or /, has a NUL byte or is too long.</summary>
    public const string SecretFileInvalid = "secret_file_invalid";

    /// <summary>400: the value is missing, has a NUL byte or is larger than 32 KiB.</summary>
    public const string SecretValueInvalid = "secret_value_invalid";

    /// <summary>400: the description is too long.</summary>
    public const string SecretDescriptionInvalid = "secret_description_invalid";

    /// <summary>400: the user already keeps the most secrets allowed (100).</summary>
    public const string SecretLimitReached = "secret_limit_reached";

    /// <summary>400: the user's secrets together would exceed the build-time size budget (256 KiB).</summary>
    public const string SecretPayloadTooLarge = "secret_payload_too_large";

    /// <summary>404: the caller has no secret by that name.</summary>
    public const string SecretNotFound = "secret_not_found";

    /// <summary>409: the caller already has a secret with that name, env binding or file binding.</summary>
    public const string SecretExists = "secret_exists";

    /// <summary>503: something the server stores encrypted (an agent's environment) could not be opened: no configured key has its id.</summary>
    public const string SecretsUnavailable = "secrets_unavailable";

    /// <summary>400/404: the template's active version has no preset by that name (docs/prebuilds.md).</summary>
    public const string PresetNotFound = "preset_not_found";

    /// <summary>409: the agent's workspace was not created as a prebuild, so it is never reinitialised; stop asking.</summary>
    public const string NotAPrebuild = "not_a_prebuild";
    /// <summary>400: a task was asked of a template version that declares no task agent (outpost.yaml <c>task:</c>, Terraform <c>outpost_ai_task</c>).</summary>
    public const string TemplateNoTaskAgent = "template_no_task_agent";

    /// <summary>404: there is no task with that id the caller may see, or the agent's workspace has no task.</summary>
    public const string TaskNotFound = "task_not_found";

    /// <summary>403: a signed-in browser's state-changing request lacks the session's CSRF token header (docs/dashboard.md).</summary>
    public const string CsrfTokenInvalid = "csrf_token_invalid";

    /// <summary>The generic code for an HTTP status, used when a problem names nothing more specific.</summary>
    public static string ForStatus(int status) => status switch
    {
        400 => InvalidRequest,
        401 => Unauthorized,
        403 => Forbidden,
        404 => NotFound,
        405 => MethodNotAllowed,
        409 => Conflict,
        413 => PayloadTooLarge,
        415 => UnsupportedMediaType,
        422 => Unprocessable,
        429 => RateLimited,
        503 => Unavailable,
        >= 500 => InternalError,
        _ => InvalidRequest,
    };
}
