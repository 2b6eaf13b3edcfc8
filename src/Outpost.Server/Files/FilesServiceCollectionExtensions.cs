using Microsoft.Extensions.DependencyInjection;

namespace Outpost.Server.Files;

internal static class FilesServiceCollectionExtensions
{
    /// <summary>Stored files: the store behind uploads and the daemons' downloads.</summary>
    public static IServiceCollection AddFiles(this IServiceCollection services) => services.AddSingleton<FileStore>();
}
