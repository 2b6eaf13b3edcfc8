using Npgsql;
using NpgsqlTypes;

namespace Outpost.Server.Database;

/// <summary>Statements for an <see cref="NpgsqlBatch"/>, with positional parameters; null becomes SQL NULL.</summary>
internal static class BatchCommands
{
    public static NpgsqlBatchCommand Create(string sql, params object?[] values)
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

    public static NpgsqlBatchCommand WithJson(this NpgsqlBatchCommand command, string? json)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)json ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Jsonb });
        return command;
    }
}
