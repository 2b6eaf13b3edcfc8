namespace Outpost.Provisioner.Local;

internal sealed record PlannedApp(string Slug, string DisplayName, string Url);
