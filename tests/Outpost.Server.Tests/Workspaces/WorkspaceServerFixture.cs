using Microsoft.Extensions.DependencyInjection;
using Outpost.Server.Hosting;
using Outpost.Testing;

namespace Outpost.Server.Tests.Workspaces;

/// <summary>
/// A clocked server whose reaper never runs on its own (tests call a pass when they mean to), with
/// a small file limit so the 413 is cheap to provoke.
/// </summary>
public class WorkspaceServerFixture : ClockedServerFixture
{
    public const long MaxFileBytes = 256 * 1024;

    protected virtual TimeSpan ReaperInterval => TimeSpan.FromDays(40);

    internal override ServerOptions Customize(ServerOptions options) => base.Customize(options) with
    {
        Provisioning = new ProvisioningOptions { MaxFileBytes = MaxFileBytes, ReaperInterval = ReaperInterval },
    };

    internal T Service<T>() where T : notnull => Server.Services.GetRequiredService<T>();
}
