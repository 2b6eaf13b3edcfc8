using Outpost.Server.Hosting;
using Outpost.Server.Tests.Workspaces;

namespace Outpost.Server.Tests.Validation;

/// <summary>A workspace server whose upload limit is above the default body limit, so both limits can be seen apart.</summary>
public sealed class ValidationServerFixture : WorkspaceServerFixture
{
    public const long UploadLimit = 3L * 1024 * 1024;

    internal override ServerOptions Customize(ServerOptions options) => base.Customize(options) with
    {
        Provisioning = new ProvisioningOptions { MaxFileBytes = UploadLimit, ReaperInterval = ReaperInterval },
    };
}
