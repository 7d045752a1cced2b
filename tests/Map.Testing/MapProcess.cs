using System.Net;

namespace Map.Testing;

/// <summary>The real Map executable (Map.Host.dll) serving on a free loopback port, started the way operators start it.</summary>
public sealed class MapProcess : IAsyncDisposable
{
    private readonly ChildProcess process;

    private MapProcess(ChildProcess process, int port)
    {
        this.process = process;
        Port = port;
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public string Output => process.Output + process.Error;

    public static string HostDll => typeof(Program).Assembly.Location;

    /// <summary>The environment a Map process of the tests gets: the given database, the root superadmin, no stray settings.</summary>
    public static Dictionary<string, string?> Environment(string databaseUrl, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = null,
            ["ASPNETCORE_HTTP_PORTS"] = null,
            ["DATABASE_URL"] = databaseUrl,
            ["REDIS_URL"] = null,
            ["SECRET_KEY"] = new string('s', 48),
            ["BOT_API_KEY"] = MapTestContext.BotKey,
            ["ADMIN_USERNAME"] = MapTestContext.RootUsername,
            ["ADMIN_PASSWORD"] = MapTestContext.RootPassword,
            ["ADMIN_PASSWORD_HASH"] = null,
            ["MAP_ROLE"] = "web",
            ["TRUSTED_PROXIES"] = null,
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }

        return environment;
    }

    /// <summary>Starts Map; <paramref name="workingDirectory"/> (its content root) defaults to the repository root.</summary>
    public static async Task<MapProcess> StartAsync(string databaseUrl, IReadOnlyDictionary<string, string?>? settings = null, string? workingDirectory = null)
    {
        var port = Network.FreePort();
        var child = ChildProcess.Start("dotnet", [HostDll, "--urls", $"http://127.0.0.1:{port}"], Environment(databaseUrl, settings), workingDirectory);
        var map = new MapProcess(child, port);
        try
        {
            using var client = new HttpClient { BaseAddress = map.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
            var healthy = await Eventually.TrueAsync(
                async () =>
                {
                    if (child.HasExited)
                    {
                        return true;
                    }

                    try
                    {
                        return (await client.GetAsync("/health")).StatusCode == HttpStatusCode.OK;
                    }
                    catch (HttpRequestException)
                    {
                        return false;
                    }
                    catch (TaskCanceledException)
                    {
                        return false; // a cold first request on a busy machine: ask again until the deadline
                    }
                },
                TimeSpan.FromSeconds(90),
                TimeSpan.FromMilliseconds(100));
            if (!healthy || child.HasExited)
            {
                throw new InvalidOperationException($"Map did not become healthy on port {port}:\n{map.Output}");
            }

            return map;
        }
        catch
        {
            await map.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => process.DisposeAsync();
}
