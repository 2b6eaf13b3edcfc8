using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Outpost.Server.Templates;

internal static class TemplatesServiceCollectionExtensions
{
    /// <summary>Templates and their versions.</summary>
    public static IServiceCollection AddTemplates(this IServiceCollection services)
    {
        services.AddSingleton<TemplateStore>();
        return services;
    }

    public static IEndpointRouteBuilder MapTemplates(this IEndpointRouteBuilder routes) => routes.MapTemplateEndpoints();
}
