namespace Outpost.Telemetry.Auth;

/// <summary>Auth event and property names, exactly as the seed document 000 (P948) names them.</summary>
public static class AuthTelemetry
{
    public const string TokenRefreshed = "auth.token_refreshed";
    public const string TokenRefreshDeduped = "auth.token_refresh.deduped";
    public const string UnauthorizedIntercepted = "auth.unauthorized_intercepted";
    public const string LoginPrompted = "auth.login_prompted";
    public const string Login = "auth.login";
    public const string Logout = "auth.logout";

    public const string Trigger = "trigger";
    public const string Recovery = "recovery";
    public const string RefreshAttempted = "refreshAttempted";
    public const string Reason = "reason";
    public const string Outcome = "outcome";

    public const string TriggerBackground = "background";
    public const string TriggerReactive = "reactive";
    public const string TriggerAuthRequired = "auth_required";
    public const string TriggerMissingSession = "missing_session";

    public const string RecoveryRefreshSuccess = "refresh_success";
    public const string RecoveryLoginRequired = "login_required";
    public const string RecoveryNone = "none";

    public const string ReasonUserDismissed = "user_dismissed";
    public const string ReasonAuthFailed = "auth_failed";

    public const string OutcomeSuccess = "success";
    public const string OutcomeUserError = "user_error";
    public const string OutcomeError = "error";
}
