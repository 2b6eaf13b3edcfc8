using System.Text.Json.Serialization;

namespace Outpost.Sdk;

/// <summary>An RFC 7807 problem-details error as the server sends it.</summary>
public sealed record ApiProblem
{
    /// <summary>A URI naming the kind of problem.</summary>
    public string? Type { get; init; }

    /// <summary>A short summary of the kind of problem.</summary>
    public string? Title { get; init; }

    /// <summary>The HTTP status code.</summary>
    public int? Status { get; init; }

    /// <summary>What went wrong with this request and what to do about it.</summary>
    public string? Detail { get; init; }

    /// <summary>What is wrong with each field, keyed by its name or JSON path (validation problems).</summary>
    public IReadOnlyDictionary<string, string[]>? Errors { get; init; }

    /// <summary>The stable machine-readable kind of problem (<see cref="ProblemCodes"/>); decide on this, not on <see cref="Detail"/>.</summary>
    public string? Code { get; init; }

    /// <summary>The W3C trace id of the request, for matching with server logs.</summary>
    [JsonPropertyName("traceId")]
    public string? TraceId { get; init; }
}
