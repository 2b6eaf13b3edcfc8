using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Outpost.Sdk;
using Outpost.Sdk.Deployment;

namespace Outpost.Server.Deployment;

internal static class DeploymentEndpoints
{
    public static IEndpointRouteBuilder MapDeploymentEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v2").WithTags("Deployment");
        group.MapGet("/buildinfo", static (DeploymentInfo deployment) => TypedResults.Ok(new BuildInfoResponse
        {
            Version = BuildVersion.Version,
            Commit = BuildVersion.Commit,
            DeploymentId = deployment.DeploymentId,
        }))
        .WithName("GetBuildInfo")
        .WithSummary("The version and commit of the running server.")
        .AllowAnonymous();
        routes.MapDeploymentHealth();
        return routes;
    }
}
