namespace Outpost.Sdk.Agents;

/// <summary>What a row of the connection log records; its wire name is the <c>type</c> column.</summary>
public enum ConnectionType
{
    /// <summary>An agent's control-plane connection to the server (<c>control_plane</c>).</summary>
    ControlPlane,
}
