using Npgsql;
using Outpost.Sdk.Users;

namespace Outpost.Server.Identity.Users;

/// <summary>A users row, including the password hash that never leaves the server.</summary>
internal sealed record UserRecord(Guid Id, string Email, string Username, string Name, string Role, string PasswordHash, string Status, DateTimeOffset CreatedAt)
{
    public const string Columns = "id, email, username, name, role, password_hash, status, created_at";

    public static UserRecord Read(NpgsqlDataReader reader, int offset = 0) => new(
        reader.GetGuid(offset),
        reader.GetString(offset + 1),
        reader.GetString(offset + 2),
        reader.GetString(offset + 3),
        reader.GetString(offset + 4),
        reader.GetString(offset + 5),
        reader.GetString(offset + 6),
        reader.GetFieldValue<DateTimeOffset>(offset + 7));

    public User ToWire() => new()
    {
        Id = Id,
        Email = Email,
        Username = Username,
        Name = Name,
        Role = Role,
        Status = Status,
        CreatedAt = CreatedAt,
    };
}
