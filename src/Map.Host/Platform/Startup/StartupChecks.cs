using Map.Host.Platform.Config;
using Npgsql;

namespace Map.Host.Platform.Startup;

/// <summary>
/// Clear start-up errors instead of surprises: refuses to run against an unmigrated database (the web role never
/// migrates by itself), warns when the bot key is empty. A database that is down at start is only a warning:
/// <c>/health</c> reports it and the app recovers when PostgreSQL returns.
/// </summary>
internal sealed class StartupChecks(
    MapSettings settings,
    IEnumerable<IModuleDatabase> databases,
    IServiceProvider services,
    NpgsqlDataSource dataSource,
    ILogger<StartupChecks> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        logger.LogInformation("Map starting: role {Role}, instance {Instance}, Redis {Redis}", settings.Role, settings.InstanceId, settings.Redis is null ? "off" : "on");
        if (settings.BotApiKey.Length == 0)
        {
            logger.LogWarning("BOT_API_KEY is empty: every bot endpoint answers 403 until it is set");
        }

        if (settings.BotTrustedNetworks.Count > 0)
        {
            var networks = string.Join(", ", settings.BotTrustedNetworks);
            if (settings.BotApiKey.Length == 0)
            {
                logger.LogWarning("BOT_TRUSTED_NETWORKS ({Networks}) is ignored while BOT_API_KEY is empty", networks);
            }
            else
            {
                logger.LogInformation(
                    "BOT_TRUSTED_NETWORKS: requests without X-API-KEY from {Networks} are accepted as the bot on POST and GET /api/chat/<user_id> only",
                    networks);
            }
        }

        try
        {
            var pending = new List<string>();
            foreach (var database in databases)
            {
                var missing = await database.GetPendingMigrationsAsync(services, cancellationToken);
                pending.AddRange(missing.Select(m => $"{database.Schema}:{m}"));
            }

            await using var command = dataSource.CreateCommand("SELECT to_regclass('hangfire.job') IS NOT NULL");
            var hangfireReady = (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
            if (pending.Count > 0 || !hangfireReady)
            {
                throw new InvalidOperationException(
                    $"The database is not migrated ({(pending.Count > 0 ? string.Join(", ", pending) : "hangfire schema missing")}). " +
                    "Run: dotnet run --project src/Map.Host -- migrate (or 'Map.Host migrate' in the container).");
            }
        }
        catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex))
        {
            logger.LogWarning("Database not reachable at start-up ({Reason}); serving anyway, /health reports it", ex.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
