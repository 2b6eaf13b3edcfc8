using Npgsql;
using NpgsqlTypes;

namespace Outpost.Server.Database;

/// <summary>Positional parameters for hand-written SQL; null becomes SQL NULL.</summary>
internal static class CommandExtensions
{
    public static NpgsqlCommand With(this NpgsqlCommand command, object? value)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        return command;
    }

    public static NpgsqlCommand WithJson(this NpgsqlCommand command, string? json)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)json ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Jsonb });
        return command;
    }

    public static T? GetNullable<T>(this NpgsqlDataReader reader, int ordinal) where T : struct =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);

    public static string? GetNullableString(this NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
