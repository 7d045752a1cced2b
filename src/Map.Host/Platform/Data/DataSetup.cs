using Map.Host.Platform.Config;
using Microsoft.AspNetCore.DataProtection;
using Npgsql;

namespace Map.Host.Platform.Data;

internal static class DataSetup
{
    /// <summary>One pooled <see cref="NpgsqlDataSource"/> for every module (not reset on return), and data-protection keys in PostgreSQL.</summary>
    public static IServiceCollection AddMapData(this IServiceCollection services, MapSettings settings)
    {
        services.AddSingleton(sp =>
        {
            var builder = new NpgsqlDataSourceBuilder(settings.DatabaseConnectionString);
            builder.UseLoggerFactory(sp.GetRequiredService<ILoggerFactory>());
            // A connection goes back to the pool as it is, without Npgsql's reset (seven statements in front of the next
            // command once it holds prepared statements): Map keeps no session state across a checkout (decision 0039,
            // held by the architecture rule on session-state SQL). Open transactions are still rolled back.
            builder.ConnectionStringBuilder.NoResetOnClose = true;
            return builder.Build();
        });
        services.AddModuleDbContext<PlatformDbContext>(PlatformDbContext.Schema);
        services.AddDataProtection()
            .SetApplicationName("map")
            .PersistKeysToDbContext<PlatformDbContext>();
        return services;
    }
}
