using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Map.SharedKernel;

/// <summary>A module's database: its DbContext type and PostgreSQL schema, migrated by <c>Map.Host migrate</c>.</summary>
public interface IModuleDatabase
{
    string Schema { get; }

    Type ContextType { get; }

    Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken);

    Task<IReadOnlyList<string>> GetPendingMigrationsAsync(IServiceProvider services, CancellationToken cancellationToken);
}

public static class ModuleDatabaseExtensions
{
    public const string MigrationsHistoryTable = "__ef_migrations_history";

    /// <summary>
    /// Registers a module DbContext on the shared <see cref="NpgsqlDataSource"/>, in its own schema, with snake_case
    /// names and its own migrations history table.
    /// </summary>
    public static IServiceCollection AddModuleDbContext<TContext>(this IServiceCollection services, string schema)
        where TContext : DbContext
    {
        // Pooled: contexts are reset and reused instead of built per request (they hold no state of their own).
        // Interceptors the platform registers (e.g. the outbox's commit hook) apply to every module's context.
        services.AddDbContextPool<TContext>((sp, options) => Configure(options, sp.GetRequiredService<NpgsqlDataSource>(), schema)
            .AddInterceptors(sp.GetServices<Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor>()));
        services.AddSingleton<IModuleDatabase>(new ModuleDatabase<TContext>(schema));
        return services;
    }

    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, NpgsqlDataSource dataSource, string schema) =>
        options
            .UseNpgsql(dataSource, npgsql => npgsql.MigrationsHistoryTable(MigrationsHistoryTable, schema))
            .UseSnakeCaseNamingConvention();

    /// <summary>Options for <c>dotnet ef</c> at design time; no connection is opened to add a migration.</summary>
    public static DbContextOptions<TContext> DesignTimeOptions<TContext>(string schema)
        where TContext : DbContext
    {
        var builder = new DbContextOptionsBuilder<TContext>();
        builder
            .UseNpgsql(
                Environment.GetEnvironmentVariable("MAP_DESIGN_TIME_CONNECTION") ?? "Host=localhost;Database=map_design",
                npgsql => npgsql.MigrationsHistoryTable(MigrationsHistoryTable, schema))
            .UseSnakeCaseNamingConvention();
        return builder.Options;
    }

    private sealed class ModuleDatabase<TContext>(string schema) : IModuleDatabase
        where TContext : DbContext
    {
        public string Schema => schema;

        public Type ContextType => typeof(TContext);

        public async Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken)
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<TContext>();
            await db.Database.MigrateAsync(cancellationToken);
        }

        public async Task<IReadOnlyList<string>> GetPendingMigrationsAsync(IServiceProvider services, CancellationToken cancellationToken)
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<TContext>();
            return [.. await db.Database.GetPendingMigrationsAsync(cancellationToken)];
        }
    }
}

public static class DatabaseErrors
{
    /// <summary>True when the exception (or one it wraps) says PostgreSQL could not be reached.</summary>
    public static bool IsUnavailable(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is Npgsql.NpgsqlException { IsTransient: true } or System.Net.Sockets.SocketException or TimeoutException)
            {
                return true;
            }
        }

        return false;
    }
}
