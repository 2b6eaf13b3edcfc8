using Outpost.Cli.Hosting;

await using var context = CliContext.FromProcess();
return await CliApp.RunAsync(context, args).ConfigureAwait(false);
