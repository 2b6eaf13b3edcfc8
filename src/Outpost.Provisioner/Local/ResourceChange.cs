namespace Outpost.Provisioner.Local;

/// <summary>What apply does to a resource; everything but <see cref="Destroy"/> exists afterwards and is reported.</summary>
internal enum ResourceChange
{
    Create,
    Keep,
    Destroy,
}
