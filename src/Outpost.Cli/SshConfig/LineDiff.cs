namespace Outpost.Cli.SshConfig;

/// <summary>A line diff for showing a change before it is written: kept lines with two spaces, removed with <c>-</c>, added with <c>+</c>.</summary>
internal static class LineDiff
{
    /// <summary>Above this many cells the diff shows the old lines removed and the new added, without pairing them.</summary>
    private const long MaxTable = 4_000_000;

    public static IReadOnlyList<string> Of(string before, string after)
    {
        var old = Lines(before);
        var @new = Lines(after);
        if ((long)old.Length * @new.Length > MaxTable)
        {
            return [.. old.Select(line => "- " + line), .. @new.Select(line => "+ " + line)];
        }

        // Longest common subsequence, from the end, so the walk below goes forward.
        var lengths = new int[old.Length + 1, @new.Length + 1];
        for (var i = old.Length - 1; i >= 0; i--)
        {
            for (var j = @new.Length - 1; j >= 0; j--)
            {
                lengths[i, j] = old[i] == @new[j] ? lengths[i + 1, j + 1] + 1 : Math.Max(lengths[i + 1, j], lengths[i, j + 1]);
            }
        }

        var diff = new List<string>(old.Length + @new.Length);
        int a = 0, b = 0;
        while (a < old.Length || b < @new.Length)
        {
            if (a < old.Length && b < @new.Length && old[a] == @new[b])
            {
                diff.Add("  " + old[a++]);
                b++;
            }
            else if (b < @new.Length && (a == old.Length || lengths[a, b + 1] >= lengths[a + 1, b]))
            {
                diff.Add("+ " + @new[b++]);
            }
            else
            {
                diff.Add("- " + old[a++]);
            }
        }

        return diff;
    }

    private static string[] Lines(string text) =>
        text.Length == 0 ? [] : text.TrimEnd('\n').Split('\n');
}
