using Map.Host.Platform.Config;
using Microsoft.AspNetCore.DataProtection;
using Npgsql;

namespace Map.Host.Platform.Data;

internal static class DataSetup
{
    /// <summary>One pooled <see cref="NpgsqlDataSource"/> for every module, and data-protection keys in PostgreSQL.</summary>
    public static IServiceCollection AddMapData(this IServiceCollection services, MapSettings settings)
    {
        services.AddSingleton(sp =>
        {
            var builder = new NpgsqlDataSourceBuilder(settings.DatabaseConnectionString);
            builder.UseLoggerFactory(sp.GetRequiredService<ILoggerFactory>());
            return builder.Build();
        });
        services.AddModuleDbContext<PlatformDbContext>(PlatformDbContext.Schema);
        services.AddDataProtection()
            .SetApplicationName("map")
            .PersistKeysToDbContext<PlatformDbContext>();
        return services;
    }
}
