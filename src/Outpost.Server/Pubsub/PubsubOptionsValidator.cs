using Microsoft.Extensions.Options;

namespace Outpost.Server.Pubsub;

/// <summary>Reports every bad pubsub option at once when the host starts.</summary>
internal sealed class PubsubOptionsValidator : IValidateOptions<PubsubOptions>
{
    public ValidateOptionsResult Validate(string? name, PubsubOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
