namespace Outpost.Provisioner.Local;

/// <summary>What a build asks of the workspace; wire strings are <c>start</c>, <c>stop</c>, <c>delete</c>.</summary>
internal enum WorkspaceTransition
{
    Start,
    Stop,
    Delete,
}
