using Outpost.Sdk.Diagnostics;

namespace Outpost.Sdk.Client;

public sealed partial class OutpostApiClient
{
    /// <summary>One page of a workspace's timeline; <paramref name="query"/> is e.g. <c>since=…&amp;limit=500&amp;after=…</c>.</summary>
    public Task<WorkspaceTimeline> GetWorkspaceTimelineAsync(Guid workspaceId, string? query, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, string.IsNullOrEmpty(query) ? TimelineApi.PathFor(workspaceId)[1..] : $"{TimelineApi.PathFor(workspaceId)[1..]}?{query}",
            null, TimelineJsonContext.Default.WorkspaceTimeline, cancellationToken);
}
