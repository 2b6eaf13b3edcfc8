using System.Net;
using NSec.Cryptography;
using Outpost.Sdk.Sessions;
using Outpost.Server.Hosting;

namespace Outpost.Server.Sessions;

/// <summary>
/// The server's Ed25519 key pair for direct-connection tickets: the private key in <c>direct-tickets.key</c> in the data
/// directory (0600 in a 0700 directory, generated on first start), the public key in every agent manifest. Replicas must share the file (an agent
/// verifies tickets with the key of the replica that served its manifest). Where each agent accepts direct connections is
/// in <c>workspace_agents.direct_address</c> (<see cref="Agents.AgentStore.DirectAddressAsync"/>).
/// </summary>
internal sealed class DirectTicketKeys : IDisposable
{
    public const string FileName = "direct-tickets.key";

    private readonly Key _key;

    public DirectTicketKeys(ServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        KeyFile = Path.Combine(options.DataDirectory, FileName);
        _key = LoadOrCreate(KeyFile);
        PublicKey = Convert.ToBase64String(_key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    public string KeyFile { get; }

    /// <summary>Raw 32 bytes, base64: what the manifest carries.</summary>
    public string PublicKey { get; }

    public string Sign(DirectTicket ticket)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        return ticket.Sign(_key);
    }

    /// <summary>Why <paramref name="address"/> is not an agent's direct address (<c>IP:PORT</c>, or empty for none); null when it is.</summary>
    public static string? AddressProblem(string address) =>
        address.Length == 0 || (address.Length <= 64 && IPEndPoint.TryParse(address, out var endpoint) && endpoint.Port is > 0 and <= 65535)
            ? null
            : $"\"{(address.Length > 64 ? address[..64] + "…" : address)}\" is not IP:PORT";

    public void Dispose() => _key.Dispose();

    private static Key LoadOrCreate(string path)
    {
        var algorithm = SignatureAlgorithm.Ed25519;
        var exportable = new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport };
        if (File.Exists(path))
        {
            var text = File.ReadAllText(path).Trim();
            try
            {
                if (Key.TryImport(algorithm, Convert.FromBase64String(text), KeyBlobFormat.RawPrivateKey, out var stored, exportable) && stored is not null)
                {
                    return stored;
                }
            }
            catch (FormatException)
            {
                // Said below.
            }

            throw new InvalidOperationException($"the direct-ticket key file {path} is damaged: it must hold one base64-encoded Ed25519 private key; delete it to make a new one");
        }

        var key = Key.Create(algorithm, exportable);
        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            stream.Write(System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(key.Export(KeyBlobFormat.RawPrivateKey)) + "\n"));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        return key;
    }
}
