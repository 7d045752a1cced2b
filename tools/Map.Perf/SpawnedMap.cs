using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;

namespace Map.Perf;

/// <summary>
/// Map started as its real executable on a free port, against a scratch database it creates, migrates with
/// <c>Map.Host migrate</c> and drops at the end. Rate limits are raised so the load measures the code, not the limiter.
/// </summary>
internal sealed class SpawnedMap : IAsyncDisposable
{
    private readonly Process process;
    private readonly string serverUrl;
    private readonly string database;
    private readonly string logFile;

    private SpawnedMap(Process process, string serverUrl, string database, Uri url, string databaseUrl, string password, string botKey, string logFile)
    {
        this.process = process;
        this.serverUrl = serverUrl;
        this.database = database;
        this.logFile = logFile;
        Url = url;
        DatabaseUrl = databaseUrl;
        AdminPassword = password;
        BotKey = botKey;
    }

    public const string AdminUser = "perf-admin";

    public Uri Url { get; }

    public string DatabaseUrl { get; }

    public string AdminPassword { get; }

    public string BotKey { get; }

    public static async Task<SpawnedMap> StartAsync(string serverUrl, string? redisUrl, LocalStubs stubs, TextWriter log)
    {
        var hostDll = FindHostDll();
        var database = $"map_perf_{Guid.NewGuid():N}"[..24];
        await ExecuteAsync(serverUrl, $"CREATE DATABASE \"{database}\"");
        var databaseUrl = new UriBuilder(serverUrl) { Path = "/" + database }.Uri.ToString();
        var password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var botKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var port = FreePort();
        var environment = new Dictionary<string, string>
        {
            ["DATABASE_URL"] = databaseUrl,
            ["REDIS_URL"] = redisUrl ?? "",
            ["REDIS_KEY_PREFIX"] = $"perf:{database}:",
            ["REALTIME_REDIS_CHANNEL"] = $"perf:{database}:map_updates",
            ["SECRET_KEY"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
            ["ADMIN_USERNAME"] = AdminUser,
            ["ADMIN_PASSWORD"] = password,
            ["BOT_API_KEY"] = botKey,
            ["MAP_ROLE"] = "all",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Logging__LogLevel__Default"] = "Warning",
            ["TELEGRAM_BOT_TOKEN"] = LocalStubs.Token,
            ["TELEGRAM_API_BASE"] = stubs.BaseUrl,
            ["MAP_TILE_URL"] = stubs.TileUrl,
        };
        foreach (var variable in RateLimitVariables)
        {
            environment[variable] = "1000000";
        }

        var logFile = Path.Combine(Path.GetTempPath(), $"{database}.log");
        log.WriteLine($"spawn: migrating scratch database {database}");
        using (var migrate = Start(hostDll, ["migrate"], environment, logFile))
        {
            await migrate.WaitForExitAsync();
            if (migrate.ExitCode != 0)
            {
                throw new InvalidOperationException($"migrate failed (exit {migrate.ExitCode}); see {logFile}");
            }
        }

        var url = new Uri($"http://127.0.0.1:{port}");
        var process = Start(hostDll, ["--urls", url.ToString().TrimEnd('/')], environment, logFile);
        var map = new SpawnedMap(process, serverUrl, database, url, databaseUrl, password, botKey, logFile);
        log.WriteLine($"spawn: Map on {url} (log: {logFile})");
        await map.WaitHealthyAsync();
        return map;
    }

    private static readonly string[] RateLimitVariables =
    [
        "RATE_LIMIT_LOGIN_PER_MINUTE", "RATE_LIMIT_CHAT_PER_MINUTE", "RATE_LIMIT_BOT_MARKERS_PER_MINUTE",
        "RATE_LIMIT_BOT_STATUS_PER_MINUTE", "RATE_LIMIT_BOT_CANCEL_PER_MINUTE", "RATE_LIMIT_BOT_MYREQ_PER_MINUTE",
        "RATE_LIMIT_TRACKER_POINTS_PER_MINUTE", "RATE_LIMIT_TRACKER_HEALTH_PER_MINUTE", "RATE_LIMIT_TRACKER_PAIR_IP_PER_MINUTE",
        "RATE_LIMIT_TRACKER_PAIR_CODE_PER_MINUTE",
    ];

    private async Task WaitHealthyAsync()
    {
        using var client = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"Map exited with {process.ExitCode}; see {logFile}");
            }

            try
            {
                if ((await client.GetAsync("/health")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"Map did not become healthy in 90 s; see {logFile}");
    }

    private static Process Start(string hostDll, string[] args, Dictionary<string, string> environment, string logFile)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(hostDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var writer = TextWriter.Synchronized(new StreamWriter(logFile, append: true) { AutoFlush = true });
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) writer.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) writer.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Map.Host.dll built in the same configuration as this tool (the project reference builds it).</summary>
    private static string FindHostDll()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            ? "Release"
            : "Debug";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Map.slnx")))
            {
                var dll = Path.Combine(dir.FullName, "src", "Map.Host", "bin", configuration, "net10.0", "Map.Host.dll");
                return File.Exists(dll) ? dll : throw new FileNotFoundException($"build Map.Host first ({dll} not found)");
            }
        }

        throw new DirectoryNotFoundException("run the tool from inside the repository (Map.slnx not found above it)");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task ExecuteAsync(string serverUrl, string sql)
    {
        var builder = new NpgsqlConnectionStringBuilder(Connection.FromUrl(serverUrl)) { Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync(serverUrl, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
    }
}

internal static class Connection
{
    /// <summary><c>postgresql://user:pass@host:port/db</c> → Npgsql connection string.</summary>
    public static string FromUrl(string url)
    {
        var uri = new Uri(url);
        var user = uri.UserInfo.Split(':', 2);
        return new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
            Username = Uri.UnescapeDataString(user[0]),
            Password = user.Length > 1 ? Uri.UnescapeDataString(user[1]) : null,
            CommandTimeout = 0,
        }.ConnectionString;
    }
}
