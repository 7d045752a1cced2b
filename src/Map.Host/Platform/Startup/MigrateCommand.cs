using Map.Host.Platform.Config;
using Map.Host.Platform.Jobs;
using Npgsql;

namespace Map.Host.Platform.Startup;

/// <summary>
/// <c>Map.Host migrate</c>: applies each module's EF Core migrations (schema by schema) and installs the Hangfire
/// schema. Idempotent: a second run finds nothing to do and exits 0.
/// </summary>
internal static class MigrateCommand
{
    public static async Task<int> RunAsync(IServiceProvider services)
    {
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Map.Migrate");
        var settings = services.GetRequiredService<MapSettings>();
        try
        {
            foreach (var database in services.GetServices<IModuleDatabase>())
            {
                var pending = await database.GetPendingMigrationsAsync(services, CancellationToken.None);
                await database.MigrateAsync(services, CancellationToken.None);
                logger.LogInformation("Schema {Schema}: {Count} migration(s) applied", database.Schema, pending.Count);
            }

            // The storage constructor creates or upgrades the hangfire schema when asked to.
            JobsSetup.CreateStorage(settings, prepareSchema: true);
            logger.LogInformation("Schema {Schema}: ready", JobsSetup.Schema);
            return 0;
        }
        catch (NpgsqlException ex)
        {
            logger.LogError("Migration failed: {Reason}", ex.Message);
            await Console.Error.WriteLineAsync($"Migration failed: {ex.Message}");
            return 1;
        }
    }
}
