using Map.Host;
using Map.Host.Platform.Startup;

// `Map.Host healthcheck [url]` is the container health check: GET /health, exit 0 on 200.
if (args.Length > 0 && args[0] == HealthcheckCommand.Name)
{
    return await HealthcheckCommand.RunAsync(args[1..]);
}

// `Map.Host migrate` applies every module's migrations and the Hangfire schema, then exits.
// Without it, the process serves according to MAP_ROLE (web | worker | all).
var migrate = args.Length > 0 && args[0] == "migrate";
WebApplication app;
try
{
    app = MapHost.Build(migrate ? args[1..] : args, forMigration: migrate);
}
catch (ConfigurationException ex)
{
    await Console.Error.WriteLineAsync($"Configuration error: {ex.Message}");
    return 2;
}

if (migrate)
{
    return await MigrateCommand.RunAsync(app.Services);
}

await app.RunAsync();
return 0;

/// <summary>Entry point type, public for <c>WebApplicationFactory</c>.</summary>
public partial class Program;
