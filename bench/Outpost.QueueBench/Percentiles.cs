using System.Globalization;

namespace Outpost.QueueBench;

/// <summary>Nearest-rank percentiles of a sample of milliseconds.</summary>
internal sealed class Percentiles
{
    private readonly double[] _sorted;

    public Percentiles(IEnumerable<double> milliseconds)
    {
        _sorted = [.. milliseconds.Order()];
        if (_sorted.Length == 0)
        {
            throw new ArgumentException("No samples.", nameof(milliseconds));
        }
    }

    public int Count => _sorted.Length;

    public double At(double percentile) => _sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * _sorted.Length) - 1, 0, _sorted.Length - 1)];

    public string Format(double percentile) => At(percentile).ToString("0.00", CultureInfo.InvariantCulture) + " ms";
}
