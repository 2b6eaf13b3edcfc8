namespace Outpost.Sdk;

/// <summary>"Did you mean" suggestions for misspelt keys and parameter names.</summary>
public static class NameSuggestions
{
    /// <summary>The candidates within a few typos of <paramref name="input"/>, closest first.</summary>
    /// <param name="input">What was given.</param>
    /// <param name="candidates">What would be accepted.</param>
    /// <returns>The close candidates, closest first.</returns>
    public static IReadOnlyList<string> Closest(string input, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(candidates);

        // A third of the length tolerates one slip in a short word and a transposition in a longer one.
        var allowed = Math.Max(1, input.Length / 3);
        return candidates
            .Select(candidate => (candidate, distance: Distance(input.ToLowerInvariant(), candidate.ToLowerInvariant())))
            .Where(pair => pair.distance <= allowed)
            .OrderBy(pair => pair.distance)
            .ThenBy(pair => pair.candidate, StringComparer.Ordinal)
            .Select(pair => pair.candidate)
            .ToList();
    }

    /// <summary>" (did you mean "x"?)" or empty, to append to a message.</summary>
    /// <param name="input">What was given.</param>
    /// <param name="candidates">What would be accepted.</param>
    /// <returns>The suggestion, or an empty string.</returns>
    public static string DidYouMean(string input, IEnumerable<string> candidates)
    {
        var closest = Closest(input, candidates);
        return closest.Count == 0 ? "" : $" (did you mean \"{closest[0]}\"?)";
    }

    // Optimal string alignment distance: edits plus adjacent transpositions, the commonest typo.
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
