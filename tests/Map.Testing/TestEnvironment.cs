using System.Security.Cryptography;
using Npgsql;

namespace Map.Testing;

/// <summary>
/// The real services of one test run: a PostgreSQL server (<c>MAP_TEST_DATABASE_URL</c>) holding a template
/// database migrated once per run and cloned per test class, and a Redis server (<c>MAP_TEST_REDIS_URL</c>) whose
/// keys and channels are prefixed per run and per class. <c>scripts/test.sh</c> sets both.
/// </summary>
public sealed class TestEnvironment
{
    private static readonly Lazy<Task<TestEnvironment>> Shared = new(CreateAsync);
    private static int databaseCounter;

    private TestEnvironment(string serverUrl, string redisUrl, string runId, string templateName)
    {
        ServerUrl = serverUrl;
        RedisUrl = redisUrl;
        RunId = runId;
        TemplateName = templateName;
    }

    /// <summary>A <c>postgresql://</c> URL of the maintenance database; the role may create databases.</summary>
    public string ServerUrl { get; }

    public string RedisUrl { get; }

    /// <summary>Short random id of this run; part of every database name and Redis prefix.</summary>
    public string RunId { get; }

    public string TemplateName { get; }

    public static Task<TestEnvironment> GetAsync() => Shared.Value;

    /// <summary>A new database cloned from the migrated template, dropped when the run ends.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"map_t_{RunId}_{Interlocked.Increment(ref databaseCounter)}";
        await ExecuteAsync($"CREATE DATABASE \"{name}\" TEMPLATE \"{TemplateName}\"");
        return name;
    }

    /// <summary>The <c>postgresql://</c> URL of a database on the test server.</summary>
    public string DatabaseUrl(string database)
    {
        var uri = new UriBuilder(ServerUrl) { Path = "/" + database };
        return uri.Uri.ToString();
    }

    public async Task ExecuteAsync(string sql, string? database = null)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public string ConnectionString(string? database = null)
    {
        var builder = new NpgsqlConnectionStringBuilder(
            Host.Platform.Config.MapSettingsLoader.ParseDatabaseUrl(ServerUrl))
        {
            Pooling = false,
            // A busy 2-core machine (a build beside the tests) can take longer than Npgsql's 15 s to fork a backend.
            Timeout = 60,
        };
        if (database is not null)
        {
            builder.Database = database;
        }

        return builder.ConnectionString;
    }

    private static async Task<TestEnvironment> CreateAsync()
    {
        var serverUrl = Environment.GetEnvironmentVariable("MAP_TEST_DATABASE_URL");
        if (string.IsNullOrWhiteSpace(serverUrl))
        {
            throw new InvalidOperationException(
                "MAP_TEST_DATABASE_URL is not set. Run the tests with ./scripts/test.sh, which starts PostgreSQL and Redis and sets it.");
        }

        var redisUrl = Environment.GetEnvironmentVariable("MAP_TEST_REDIS_URL") ?? "redis://127.0.0.1:6379/0";
        // The process id is part of the run id, so scripts/test.sh can tell leftovers of dead runs from live ones.
        var runId = $"{System.Environment.ProcessId:x}r{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
        var environment = new TestEnvironment(serverUrl, redisUrl, runId, $"map_tpl_{runId}");
        await environment.ExecuteAsync($"CREATE DATABASE \"{environment.TemplateName}\"");
        await MigrateAsync(environment.DatabaseUrl(environment.TemplateName));
        NpgsqlConnection.ClearAllPools();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => environment.DropAll();
        return environment;
    }

    /// <summary>Runs the real <c>migrate</c> command against the template, exactly as operators do.</summary>
    private static async Task MigrateAsync(string databaseUrl)
    {
        var app = Host.MapHost.Build(
            [$"--DATABASE_URL={databaseUrl}", "--Logging:LogLevel:Default=Warning"],
            forMigration: true);
        await using (app)
        {
            var exit = await Host.Platform.Startup.MigrateCommand.RunAsync(app.Services);
            if (exit != 0)
            {
                throw new InvalidOperationException($"migrate exited with {exit}");
            }
        }
    }

    /// <summary>Drops this run's databases (best effort: a crashed run is cleaned by the next test.sh).</summary>
    private void DropAll()
    {
        try
        {
            NpgsqlConnection.ClearAllPools();
            using var connection = new NpgsqlConnection(ConnectionString());
            connection.Open();
            using var list = new NpgsqlCommand($"SELECT datname FROM pg_database WHERE datname LIKE 'map_t_{RunId}_%' OR datname = '{TemplateName}'", connection);
            var names = new List<string>();
            using (var reader = list.ExecuteReader())
            {
                while (reader.Read())
                {
                    names.Add(reader.GetString(0));
                }
            }

            foreach (var name in names)
            {
                using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
                drop.ExecuteNonQuery();
            }
        }
        catch (NpgsqlException)
        {
            // The server may already be gone; test.sh removes leftovers.
        }
    }
}
