using System.Text.Json;
using System.Text.Json.Serialization;

namespace Outpost.Sdk;

/// <summary>
/// Enums as their snake_case strings (<c>template_version_import</c>), for the source-generated
/// context itself: <c>UseStringEnumConverter</c> alone writes and expects the C# names, so a
/// client reading with <see cref="OutpostJsonContext.Default"/> would refuse the server's JSON.
/// </summary>
public sealed class SnakeCaseEnumConverter : JsonStringEnumConverter
{
    /// <summary>Creates the converter; integers are refused.</summary>
    public SnakeCaseEnumConverter()
        : base(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false)
    {
    }
}
