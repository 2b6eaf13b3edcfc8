using Npgsql;
using NpgsqlTypes;

namespace Outpost.Server.Database;

/// <summary>Positional parameters for hand-written SQL, on commands and on batch statements; null becomes SQL NULL.</summary>
internal static class CommandExtensions
{
    /// <summary>A statement for an <see cref="NpgsqlBatch"/> with <paramref name="values"/> as its positional parameters.</summary>
    public static NpgsqlBatchCommand Batch(string sql, params object?[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.With(value);
        }

        return command;
    }

    public static NpgsqlBatchCommand With(this NpgsqlBatchCommand command, object? value)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        return command;
    }

    public static NpgsqlBatchCommand WithJson(this NpgsqlBatchCommand command, string? json, NpgsqlDbType type = NpgsqlDbType.Jsonb)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)json ?? DBNull.Value, NpgsqlDbType = type });
        return command;
    }

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
