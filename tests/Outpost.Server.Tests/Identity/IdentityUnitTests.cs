using Outpost.Server.Identity.Authorization;
using Outpost.Server.Identity.Passwords;
using Outpost.Server.Identity.Tokens;
using static Outpost.Server.Identity.Authorization.PermissionAction;
using static Outpost.Server.Identity.Authorization.ResourceType;

namespace Outpost.Server.Tests.Identity;

public sealed class PasswordHasherTests
{
    [Fact]
    public void The_default_hash_uses_pbkdf2_sha256_with_the_owasp_iteration_count_and_verifies()
    {
        var hasher = new PasswordHasher();

        var hash = hasher.Hash("correct horse battery staple");

        Assert.StartsWith("pbkdf2-sha256$600000$", hash, StringComparison.Ordinal);
        Assert.True(hasher.Verify("correct horse battery staple", hash));
        Assert.False(hasher.Verify("correct horse battery stapler", hash));
    }

    [Fact]
    public void Every_hash_has_its_own_salt()
    {
        var hasher = new PasswordHasher(1_000);

        Assert.NotEqual(hasher.Hash("same password"), hasher.Hash("same password"));
    }

    [Fact]
    public void A_hash_made_with_another_iteration_count_still_verifies()
    {
        var old = new PasswordHasher(2_000).Hash("pw-12345678");

        Assert.True(new PasswordHasher(1_000).Verify("pw-12345678", old));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("md5$1$x$y")]
    [InlineData("pbkdf2-sha256$0$AAAA$AAAA")]
    [InlineData("pbkdf2-sha256$1000$not base64$AAAA")]
    public void A_missing_or_malformed_stored_hash_never_verifies(string? stored) =>
        Assert.False(new PasswordHasher(1_000).Verify("anything", stored));
}

public sealed class OpaqueTokenTests
{
    [Fact]
    public void Generated_tokens_parse_back_and_match_their_own_hash_only()
    {
        var token = OpaqueToken.Generate();
        var other = OpaqueToken.Generate();

        Assert.True(OpaqueToken.TryParse(token.ToString(), out var parsed));
        Assert.Equal(token, parsed);
        Assert.True(parsed.Matches(token.HashSecret()));
        Assert.False(parsed.Matches(other.HashSecret()));
        Assert.Equal(OpaqueToken.IdLength + 1 + OpaqueToken.SecretLength, token.ToString().Length);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("ABCDEFGHIJ-0123456789012345678901234567890a")]
    [InlineData("abcdefghij_0123456789012345678901234567890a")]
    [InlineData("abcdefghij-01234567890123456789012345678!0a")]
    public void Malformed_tokens_are_not_tokens(string value) => Assert.False(OpaqueToken.TryParse(value, out _));
}

public sealed class SystemActorTests
{
    public static TheoryData<string, string, string> Jobs => new()
    {
        // actor, a permission its job needs, and the next step it must be refused.
        { "system:provisionerd", "ProvisionerJob.Update", "ProvisionerJob.Delete" },
        { "system:provisionerd", "File.Read", "File.Delete" },
        { "system:provisionerd", "WorkspaceAgent.Create", "User.Read" },
        { "system:job-reaper", "ProvisionerJob.Update", "Workspace.Update" },
        { "system:job-reaper", "ProvisionerJob.Read", "WorkspaceBuild.Read" },
        { "system:prebuild-reconciler", "Workspace.Create", "User.Create" },
        { "system:prebuild-reconciler", "WorkspaceBuild.Create", "ApiKey.Read" },
        { "system:agent-manifest", "WorkspaceAgent.Read", "WorkspaceAgent.Update" },
        { "system:agent-manifest", "User.Read", "User.Update" },
    };

    [Theory]
    [MemberData(nameof(Jobs))]
    public void Each_actor_can_do_its_job_and_is_refused_one_step_beyond(string actor, string needed, string beyond)
    {
        var subject = SystemActors.All.Single(a => a.Name == actor);

        Assert.True(Can(subject, needed));
        Assert.False(Can(subject, beyond));
    }

    private static bool Can(Subject subject, string permission)
    {
        var parts = permission.Split('.');
        return subject.Can(Enum.Parse<ResourceType>(parts[0]), Enum.Parse<PermissionAction>(parts[1]));
    }

    [Fact]
    public void No_actor_holds_a_catch_all_permission_set()
    {
        var everything = Enum.GetValues<ResourceType>().Length * Enum.GetValues<PermissionAction>().Length;

        Assert.All(SystemActors.All, a => Assert.True(a.Permissions.Count < everything / 3, $"{a.Name} holds {a.Permissions.Count} permissions"));
        Assert.All(SystemActors.All, a => Assert.False(a.Can(ApiKey, Read)));
    }
}

public sealed class RoleTests
{
    [Fact]
    public void Members_act_on_their_own_objects_only()
    {
        var me = Guid.NewGuid();
        var member = Roles.ForUser(me, "m", Roles.Member);

        Assert.True(member.Can(Workspace, Delete, ownerId: me));
        Assert.False(member.Can(Workspace, Delete, ownerId: Guid.NewGuid()));
        Assert.False(member.Can(User, Read));
        Assert.True(member.Can(Template, Read));
    }

    [Theory]
    [InlineData(Roles.Owner, Roles.Owner, true)]
    [InlineData(Roles.Admin, Roles.Owner, false)]
    [InlineData(Roles.Admin, Roles.TemplateAdmin, true)]
    [InlineData(Roles.TemplateAdmin, Roles.Member, false)]
    [InlineData(Roles.Member, Roles.Member, false)]
    [InlineData(Roles.Owner, "superuser", false)]
    public void Who_may_grant_which_role(string granter, string role, bool allowed) =>
        Assert.Equal(allowed, Roles.MayGrant(granter, role));
}
