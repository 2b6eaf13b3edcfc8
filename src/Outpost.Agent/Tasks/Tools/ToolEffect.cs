namespace Outpost.Agent.Tasks.Tools;

/// <summary>
/// What running a tool can change, declared by every tool so that run observability (issue 23) can tell a
/// retry-safe run from one that touched the workspace. The spec's kinds: <see cref="ReadOnly"/> is
/// <c>read_only</c>, <see cref="FileWrite"/> is <c>local_file_write</c>, <see cref="Shell"/> is
/// <c>local_process</c>; the last two are unsafe to repeat without asking.
/// </summary>
internal enum ToolEffect
{
    /// <summary>Reads the workspace; changes nothing.</summary>
    ReadOnly,

    /// <summary>Writes files inside the workspace directory.</summary>
    FileWrite,

    /// <summary>Runs a command: anything the workspace user may do.</summary>
    Shell,
}
