namespace Outpost.Workflows.Model;

/// <summary>
/// Kahn's algorithm over named nodes (spec §10.2): levels of nodes whose dependencies are all in
/// earlier levels, each level ordered by weight then name; or the first cycle, as a path.
/// </summary>
internal static class Dag
{
    /// <summary>The levels; a dependency on a name that is not a node is ignored (validation reports those).</summary>
    public static (List<List<string>>? Levels, IReadOnlyList<string>? Cycle) Levels(
        IReadOnlyList<(string Name, double Weight, IReadOnlyList<string> DependsOn)> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        // Duplicate names are the callers' to report (validation, forEach expansion); the first one counts here.
        nodes = [.. nodes.DistinctBy(node => node.Name, StringComparer.Ordinal)];
        var known = nodes.Select(node => node.Name).ToHashSet(StringComparer.Ordinal);
        var weight = nodes.ToDictionary(node => node.Name, node => node.Weight, StringComparer.Ordinal);
        var remaining = nodes.ToDictionary(node => node.Name, node => node.DependsOn.Where(known.Contains).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        var levels = new List<List<string>>();
        while (remaining.Count > 0)
        {
            var ready = remaining.Where(node => node.Value.Count == 0).Select(node => node.Key)
                .OrderBy(name => weight[name]).ThenBy(name => name, StringComparer.Ordinal).ToList();
            if (ready.Count == 0)
            {
                return (null, FindCycle(remaining));
            }

            levels.Add(ready);
            foreach (var name in ready)
            {
                remaining.Remove(name);
            }

            foreach (var dependencies in remaining.Values)
            {
                dependencies.ExceptWith(ready);
            }
        }

        return (levels, null);
    }

    public static string CycleMessage(IReadOnlyList<string> cycle) => $"Cyclic dependency detected: {string.Join(" -> ", cycle)}";

    /// <summary>Every node left is on a cycle or behind one: walking first dependencies from the smallest name must revisit a node.</summary>
    private static List<string> FindCycle(Dictionary<string, HashSet<string>> remaining)
    {
        var path = new List<string>();
        var current = remaining.Keys.Order(StringComparer.Ordinal).First();
        while (!path.Contains(current))
        {
            path.Add(current);
            current = remaining[current].Order(StringComparer.Ordinal).First();
        }

        return [.. path.Skip(path.IndexOf(current)), current];
    }
}
