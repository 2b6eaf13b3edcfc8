using Outpost.Sdk.Tasks;

namespace Outpost.Telemetry.Runs;

/// <summary>
/// What a tool can do to the world (run-observability-spec §6.4): its kind, whether repeating it is unsafe, and
/// whether that is fully known. Tools declare theirs; <see cref="ForToolName"/> is the spec's fallback by name.
/// </summary>
/// <param name="Kind">The kind.</param>
/// <param name="Unsafe">Repeating it could change something.</param>
/// <param name="Complete">The effect is known (false makes the run's side-effect facts incomplete).</param>
public readonly record struct RunToolEffect(ToolEffectKind Kind, bool Unsafe, bool Complete)
{
    /// <summary>Reads only: safe, known.</summary>
    public static RunToolEffect ReadOnly { get; } = new(ToolEffectKind.ReadOnly, Unsafe: false, Complete: true);

    /// <summary>Writes workspace files: unsafe, known.</summary>
    public static RunToolEffect LocalFileWrite { get; } = new(ToolEffectKind.LocalFileWrite, Unsafe: true, Complete: true);

    /// <summary>Runs a process: unsafe, known.</summary>
    public static RunToolEffect LocalProcess { get; } = new(ToolEffectKind.LocalProcess, Unsafe: true, Complete: true);

    /// <summary>Not declared: unsafe and incomplete (the default of a materialization without an effect, §3).</summary>
    public static RunToolEffect Unknown { get; } = new(ToolEffectKind.Unknown, Unsafe: true, Complete: false);

    /// <summary>
    /// §6.4's table on the raw, case-sensitive name: <c>read</c>, <c>glob</c>, <c>grep</c>, <c>webfetch</c> are read-only,
    /// <c>apply_patch</c> writes files, <c>bash</c> runs a process, anything else is <see cref="Unknown"/>. Outpost's own
    /// tools declare their effect instead; this is for tools that declare none.
    /// </summary>
    /// <param name="rawName">The tool's name as the model gave it.</param>
    /// <returns>The effect.</returns>
    public static RunToolEffect ForToolName(string? rawName) => rawName switch
    {
        "read" or "glob" or "grep" or "webfetch" => ReadOnly,
        "apply_patch" => LocalFileWrite,
        "bash" => LocalProcess,
        _ => Unknown,
    };

    /// <summary>The effect of a kind as declared by a tool: <see cref="ToolEffectKind.Unknown"/> stays unknown.</summary>
    /// <param name="kind">The declared kind.</param>
    /// <returns>The effect.</returns>
    public static RunToolEffect Of(ToolEffectKind kind) => kind switch
    {
        ToolEffectKind.ReadOnly => ReadOnly,
        ToolEffectKind.LocalFileWrite => LocalFileWrite,
        ToolEffectKind.LocalProcess => LocalProcess,
        _ => Unknown,
    };
}
