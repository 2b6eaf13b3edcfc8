using Microsoft.AspNetCore.Http.HttpResults;
using Outpost.Sdk;

namespace Outpost.Server.Http;

/// <summary>
/// The <c>limit</c> of a keyset-paginated list (<c>?limit=N&amp;after=cursor</c>): absent means the list's default, a
/// value outside 1..<see cref="Max"/> is a 400 naming the field. Lists bind <c>limit</c> and their cursor as typed
/// parameters, so text that is not a number or an id is described by the invalid-request handler like any other.
/// </summary>
internal readonly record struct PageLimit(int Default, int Max)
{
    /// <summary>The page size to use, or the problem that refuses <paramref name="limit"/>.</summary>
    public ProblemHttpResult? Check(int? limit, out int pageSize)
    {
        pageSize = limit ?? Default;
        return pageSize >= 1 && pageSize <= Max
            ? null
            : Problems.BadField("limit", $"limit must be between 1 and {Max}, not {pageSize}", ProblemCodes.ValidationFailed);
    }
}
