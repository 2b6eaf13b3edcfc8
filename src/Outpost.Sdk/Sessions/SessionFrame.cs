namespace Outpost.Sdk.Sessions;

/// <summary>One decoded frame; <see cref="Payload"/> is valid until the next receive on the same socket.</summary>
public readonly record struct SessionFrame(SessionFrameType Type, ReadOnlyMemory<byte> Payload);
