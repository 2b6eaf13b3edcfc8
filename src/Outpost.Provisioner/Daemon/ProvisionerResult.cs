using Outpost.Sdk.Provisioning;
namespace Outpost.Provisioner.Daemon;

/// <summary>A provisioner's answer: a value, or the failure a user reads (never both).</summary>
internal sealed record ProvisionerResult<T>
    where T : class
{
    public T? Value { get; private init; }

    public ProvisionerFailure? Failure { get; private init; }

    public bool Succeeded => Value is not null;

    public static ProvisionerResult<T> Ok(T value) => new() { Value = value ?? throw new ArgumentNullException(nameof(value)) };

    public static ProvisionerResult<T> Fail(string error, string errorCode, byte[]? state = null) => new() { Failure = new ProvisionerFailure(error, errorCode, state) };
}

/// <summary>
/// Why a job failed, in words a user can act on, with a machine-readable code from <see cref="ProvisionerErrorCodes"/>;
/// for a build whose apply stopped part way, the state it left (<see cref="FailJobRequest.State"/>).
/// </summary>
internal sealed record ProvisionerFailure(string Error, string ErrorCode, byte[]? State = null);
