using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Npgsql;
using Outpost.Provisioner.Environment;
using Outpost.Sdk;
using Outpost.Sdk.Agents;
using Outpost.Sdk.Provisioning;
using Outpost.Server.Database;
using Outpost.Server.Http;
using Outpost.Server.Identity.Authentication;
using Outpost.Server.Identity.Authorization;
using Outpost.Server.Secrets;

namespace Outpost.Server.Agents;

/// <summary>Sub-agents (<see cref="SubAgentApi"/>): a root agent registers, lists and removes its children with its own token.</summary>
internal static class SubAgentEndpoints
{
    public static IEndpointRouteBuilder MapSubAgentEndpoints(this IEndpointRouteBuilder routes)
    {
        var children = routes.MapGroup(SubAgentApi.Path).WithTags("Workspace agent API").RequireAuthorization(CallerPolicies.WorkspaceAgent);

        children.MapPost("", static async Task<Results<Created<SubAgentCreated>, ProblemHttpResult>> (
            CreateSubAgentRequest request, AuthenticatedAgent caller, SubAgentStore store, TimeProvider time, CancellationToken cancellationToken) =>
        {
            if (SubAgentApi.Check(request) is { Count: > 0 } errors)
            {
                var (field, messages) = errors.First();
                return Problems.BadField(field, $"{field}: {messages[0]}", ProblemCodes.ValidationFailed);
            }

            var parent = await store.ParentAsync(caller.Agent.Id, cancellationToken).ConfigureAwait(false);
            if (parent is not { } facts)
            {
                return Problems.NotFound("this agent no longer exists", ProblemCodes.AgentNotFound);
            }

            if (facts.IsChild)
            {
                return Problems.Forbidden("a sub-agent cannot register sub-agents of its own; register them from the workspace's agent");
            }

            if (facts.Children >= SubAgentApi.MaxPerParent)
            {
                return Problems.Conflict($"this agent already has {facts.Children} sub-agents, the most it may have; remove one first");
            }

            var environment = EnvironmentMerge.BuildAgentEnvironment(
                (request.ExtraEnvs ?? []).Select(ExtraEnv.From), request.Env);
            if (environment.Error is { } mergeError)
            {
                return Problems.BadField("extra_envs", mergeError.Message, ProblemCodes.ValidationFailed);
            }

            var token = AgentToken.New();
            var child = new ProvisionedAgent
            {
                Name = request.Name,
                Directory = request.Directory,
                OperatingSystem = request.OperatingSystem,
                Architecture = request.Architecture,
                ConnectionTimeoutSeconds = 0,
                AuthToken = token,
            };
            var now = time.GetUtcNow();
            var id = Guid.CreateVersion7(now);
            if (!await store.CreateAsync(id, caller.Agent.Id, caller.Agent.BuildId, facts.ResourceId, child, environment.Variables, now, cancellationToken).ConfigureAwait(false))
            {
                return Problems.Conflict($"the workspace already has an agent named \"{request.Name}\"; choose another name", ProblemCodes.Conflict);
            }

            return TypedResults.Created($"{SubAgentApi.Path}/{id}", new SubAgentCreated { Id = id, Name = request.Name, AuthToken = token });
        }).WithName("CreateSubAgent").WithSummary("Registers a child agent (e.g. for a dev container) in the caller's build; answers its id and its token, once.")
          .DocumentsProblem(StatusCodes.Status409Conflict, ProblemCodes.Conflict);

        children.MapGet("", static async Task<Ok<SubAgentList>> (AuthenticatedAgent caller, SubAgentStore store, CancellationToken cancellationToken) =>
            TypedResults.Ok(new SubAgentList { Agents = await store.ListAsync(caller.Agent.Id, cancellationToken).ConfigureAwait(false) }))
            .WithName("ListSubAgents").WithSummary("The caller's child agents.");

        children.MapDelete("{id:guid}", static async Task<Results<NoContent, ProblemHttpResult>> (
            Guid id, AuthenticatedAgent caller, SubAgentStore store, CancellationToken cancellationToken) =>
            await store.DeleteAsync(caller.Agent.Id, id, cancellationToken).ConfigureAwait(false)
                ? TypedResults.NoContent()
                : Problems.NotFound($"this agent has no sub-agent {id}", ProblemCodes.AgentNotFound))
            .WithName("DeleteSubAgent").WithSummary("Removes one of the caller's child agents; its token stops working.");
        return routes;
    }
}

/// <summary>The sub-agent reads and writes of <c>workspace_agents</c>.</summary>
internal sealed class SubAgentStore(NpgsqlDataSource dataSource, SecretProtector protector)
{
    /// <summary>Where a new child goes and whether the caller may have one: its resource, whether it is itself a child, how many children it has.</summary>
    public async Task<(Guid ResourceId, bool IsChild, int Children)?> ParentAsync(Guid agentId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT a.resource_id, a.parent_id IS NOT NULL, (SELECT count(*)::int FROM workspace_agents c WHERE c.parent_id = a.id)
            FROM workspace_agents a WHERE a.id = $1
            """);
        command.With(agentId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? (reader.GetGuid(0), reader.GetBoolean(1), reader.GetInt32(2)) : null;
    }

    /// <summary>Records the child as a build's agent is recorded (the same statement), then ties it to its parent; false when the name is taken.</summary>
    public async Task<bool> CreateAsync(Guid id, Guid parentId, Guid buildId, Guid resourceId, ProvisionedAgent agent,
        IReadOnlyDictionary<string, string>? environment, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        // The environment is stored as the build's agents' is: only as an envelope (it may carry secret-derived values).
        batch.BatchCommands.Add(AgentStore.InsertCommand(id, buildId, resourceId, agent, AgentEnvironments.Protect(protector, id, environment), now));
        batch.BatchCommands.Add(CommandExtensions.Batch("UPDATE workspace_agents SET parent_id = $2 WHERE id = $1", id, parentId));
        try
        {
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "workspace_agents_build_name_key")
        {
            return false;
        }
    }

    public async Task<List<SubAgent>> ListAsync(Guid parentId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id, name, directory, lifecycle_state, created_at FROM workspace_agents WHERE parent_id = $1 ORDER BY name");
        command.With(parentId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var children = new List<SubAgent>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            children.Add(new SubAgent
            {
                Id = reader.GetGuid(0),
                Name = reader.GetString(1),
                Directory = reader.GetString(2),
                LifecycleState = WireName<AgentLifecycleState>.Parse(reader.GetString(3)),
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(4),
            });
        }

        return children;
    }

    public async Task<bool> DeleteAsync(Guid parentId, Guid childId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM workspace_agents WHERE id = $1 AND parent_id = $2");
        command.With(childId).With(parentId);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }
}
