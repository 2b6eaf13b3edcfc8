namespace Outpost.Workflows.Model;

/// <summary>
/// A step's <c>dataOutputOverrides</c> entry (spec §9.4, §9.10): the data output it names and the
/// input keys whose values suffix that name (<c>vary</c>). Outpost keeps no data store: the names
/// are recorded on the step's run record.
/// </summary>
internal sealed record DataOutputOverride(string SpecName, IReadOnlyList<string> Vary);
