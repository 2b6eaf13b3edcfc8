using Outpost.Server.Templates;
using Outpost.Server.Workspaces;

namespace Outpost.Server.Prebuilds;

/// <summary>Reads what the planner needs from the stores and plans: one view for the reconciler and the presets endpoints.</summary>
internal sealed class PrebuildPools(TemplateStore templates, WorkspaceStore workspaces, TimeProvider time)
{
    /// <summary>The plan over every active version's presets, or (with <paramref name="versionId"/>) over that version's only.</summary>
    public async Task<PrebuildPlan> PlanAsync(Guid? versionId, CancellationToken cancellationToken)
    {
        var presets = await templates.ListPresetsAsync(versionId, cancellationToken).ConfigureAwait(false);
        var targets = presets.Select(p => new PresetTarget(p.TemplateId, p.TemplateName, p.VersionId, p.Preset.Name, p.Preset.Prebuilds?.Instances ?? 0, p.Active)).ToList();
        var prebuilds = await workspaces.ListPrebuildsAsync(cancellationToken).ConfigureAwait(false);
        var outcomes = await workspaces.ListCreationOutcomesAsync([.. targets.Select(t => t.VersionId).Distinct()], cancellationToken).ConfigureAwait(false);
        return PrebuildPlanner.Plan(targets, prebuilds, outcomes, time.GetUtcNow());
    }
}
