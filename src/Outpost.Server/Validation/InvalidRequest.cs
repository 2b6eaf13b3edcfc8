using Outpost.Sdk;

namespace Outpost.Server.Validation;

/// <summary>
/// What is wrong with a request, as the problem body says it: <c>code</c> (<see cref="InvalidRequestCode"/>
/// for a body or parameter the server cannot read, <see cref="ValidationFailedCode"/> for fields that
/// break a rule), the <c>field</c> (a JSON path such as <c>$.parameters[0].value</c>, or a route or
/// query parameter's name), the <c>expected</c> form, and <c>errors</c> keyed by field.
/// </summary>
internal sealed record InvalidRequest(int Status, string Code, string Detail, string? Field, string? Expected, IReadOnlyDictionary<string, string[]>? Errors)
{
    public const string InvalidRequestCode = ProblemCodes.InvalidRequest;
    public const string ValidationFailedCode = ProblemCodes.ValidationFailed;
    public const string RequestTooLargeCode = ProblemCodes.PayloadTooLarge;
    public const string UnsupportedMediaTypeCode = ProblemCodes.UnsupportedMediaType;

    public static InvalidRequest ForField(string field, string expected, string detail) =>
        new(400, InvalidRequestCode, detail, field, expected, new Dictionary<string, string[]> { [field] = [detail] });
}
