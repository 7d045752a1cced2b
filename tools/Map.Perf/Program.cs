using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using Map.Perf;
using Npgsql;

if (args is [Baseline.ServeArgument])
{
    return await Baseline.ServeAsync();
}

PerfOptions options;
try
{
    options = PerfOptions.Parse(args);
}
catch (ArgumentException ex)
{
    if (ex.Message.Length > 0)
    {
        Console.Error.WriteLine($"error: {ex.Message}");
    }

    Console.Error.WriteLine(PerfOptions.Usage);
    return 2;
}

var log = Console.Out;
await using var baseline = await Baseline.StartAsync();
SpawnedMap? spawned = null;
LocalStubs? stubs = null;
var disposables = new List<IDisposable>();
try
{
    if (options.Spawn)
    {
        stubs = await LocalStubs.StartAsync();
        spawned = await SpawnedMap.StartAsync(options.ResolvePostgresUrl(), options.RedisUrl, stubs, log);
    }

    var target = spawned?.Url ?? options.Base!;
    var user = spawned is null ? options.User : SpawnedMap.AdminUser;
    var password = spawned?.AdminPassword ?? options.Password;
    var botKey = spawned?.BotKey ?? options.BotKey ?? "";
    var databaseUrl = spawned?.DatabaseUrl ?? options.DatabaseUrl;
    if (user is null || password is null)
    {
        Console.Error.WriteLine("error: --base needs --user and --password (or MAP_PERF_USER / MAP_PERF_PASSWORD)");
        return 2;
    }

    var adminCookies = new CookieContainer();
    using var admin = Client(target, options.Concurrency, adminCookies);
    using var bot = Client(target, options.Concurrency, null);
    using var anonymous = Client(target, options.Concurrency, null);
    bot.DefaultRequestHeaders.Add("X-API-KEY", botKey);
    var login = await admin.PostAsJsonAsync("/login", new { username = user, password });
    if (login.StatusCode != HttpStatusCode.OK)
    {
        Console.Error.WriteLine($"error: login as {user} failed: {(int)login.StatusCode} {await login.Content.ReadAsStringAsync()}");
        return 1;
    }

    var csrf = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("csrf_token").GetString()!;
    admin.DefaultRequestHeaders.Add("X-CSRF-Token", csrf);

    await using var database = databaseUrl is null ? null : NpgsqlDataSource.Create(Connection.FromUrl(databaseUrl));
    var context = new PerfContext
    {
        BaseUrl = target,
        Clients = new PerfClients(admin, bot, anonymous),
        AdminCookies = adminCookies,
        Database = database,
        Stubs = stubs,
    };
    var scenarios = Assembly.GetExecutingAssembly().GetTypes()
        .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(IPerfScenario).IsAssignableFrom(t))
        .Select(t => (IPerfScenario)Activator.CreateInstance(t)!)
        .Where(s => options.Scenarios.Count == 0 || options.Scenarios.Contains(s.Name))
        .OrderBy(s => s.Name == "platform" ? "" : s.Name, StringComparer.Ordinal)
        .ToList();
    disposables.AddRange(scenarios.OfType<IDisposable>());
    foreach (var scenario in scenarios)
    {
        await scenario.PrepareAsync(context, CancellationToken.None);
    }

    log.WriteLine($"target {target}  runs {options.Runs} x concurrency {options.Concurrency}  scenarios {string.Join(", ", scenarios.Select(s => s.Name))}");
    using var baselineClient = Client(baseline.Url, options.Concurrency, null);
    var baselineResult = await LoadRunner.RunAsync(
        new PerfEndpoint("baseline: bare ASP.NET Core", (c, _, ct) => c.Anonymous.GetAsync("/", ct)),
        new PerfClients(baselineClient, baselineClient, baselineClient),
        options.Runs,
        options.Concurrency,
        options.Timeout,
        options.Warmup,
        options.MinDuration);

    var endpoints = scenarios.SelectMany(s => s.Endpoints(context))
        .Where(e => options.Only.Count == 0 || options.Only.Any(o => e.Name.Contains(o, StringComparison.OrdinalIgnoreCase)))
        .ToList();
    var scales = options.Scales.Count > 0 ? options.Scales.Cast<long?>().ToList() : [null];
    var runsByScale = new List<ScaleRun>();
    foreach (var scale in scales)
    {
        if (scale is { } rows)
        {
            log.WriteLine($"seeding to {rows.ToString("N0", CultureInfo.InvariantCulture)} rows per scenario...");
            foreach (var scenario in scenarios)
            {
                await scenario.SeedAsync(context, rows, CancellationToken.None);
            }

            await SettleAsync(context.RequireDatabase("seeding"), log);

            // Seeding built large buffers here; collect them now rather than in the middle of the measurement.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }

        var rounds = new List<List<EndpointResult>>();
        for (var round = 1; round <= options.Rounds; round++)
        {
            // Later rounds run on code the first one has already tiered up: a short warm-up is enough.
            var warmup = round == 1 ? options.Warmup : TimeSpan.FromSeconds(Math.Min(options.Warmup.TotalSeconds, 2));
            var results = new List<EndpointResult>();
            foreach (var endpoint in endpoints)
            {
                var concurrency = Math.Min(options.Concurrency, endpoint.MaxConcurrency ?? int.MaxValue);
                var result = await LoadRunner.RunAsync(endpoint, context.Clients, endpoint.Runs ?? options.Runs, concurrency, options.Timeout, warmup, options.MinDuration);
                results.Add(result with { BaselineRatio = result.RequestsPerSecond / baselineResult.RequestsPerSecond });
            }

            if (options.Rounds > 1)
            {
                log.WriteLine($"-- round {round} of {options.Rounds}");
                PrintResults(results);
            }

            rounds.Add(results);
        }

        var medians = Report.Medians(rounds);
        runsByScale.Add(new ScaleRun(scale, medians));
        if (options.Rounds > 1)
        {
            log.WriteLine($"-- median of {options.Rounds} rounds");
        }

        PrintResults(medians);

        void PrintResults(IReadOnlyList<EndpointResult> results)
        {
            Report.Print(log, scale, baselineResult, results);
            foreach (var scenario in scenarios)
            {
                scenario.Summarize(log, results);
            }
        }
    }

    if (runsByScale.Count > 1)
    {
        Report.PrintScaling(log, runsByScale);
    }

    if (options.JsonFile is not null)
    {
        await File.WriteAllTextAsync(options.JsonFile, Report.ToJson(options, target, baselineResult, runsByScale));
        log.WriteLine($"wrote {options.JsonFile}");
    }

    return runsByScale.SelectMany(r => r.Results).Any(r => r.Fail > 0) ? 1 : 0;
}
finally
{
    // Scenarios that hold a browser quit it here.
    disposables.ForEach(d => d.Dispose());
    if (spawned is not null)
    {
        await spawned.DisposeAsync();
    }

    if (stubs is not null)
    {
        await stubs.DisposeAsync();
    }
}

// After a bulk load: statistics and visibility maps up to date (so autovacuum does not start on the fresh tables in
// the middle of a measurement), and the load's WAL checkpointed when the role may do so.
static async Task SettleAsync(NpgsqlDataSource database, TextWriter log)
{
    await using (var vacuum = database.CreateCommand("VACUUM (ANALYZE)"))
    {
        vacuum.CommandTimeout = 0;
        await vacuum.ExecuteNonQueryAsync();
    }

    try
    {
        await using var checkpoint = database.CreateCommand("CHECKPOINT");
        checkpoint.CommandTimeout = 0;
        await checkpoint.ExecuteNonQueryAsync();
    }
    catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
    {
        log.WriteLine("(no CHECKPOINT: the role lacks pg_checkpoint; the seed's WAL may be flushed during the measurement)");
    }
}

static HttpClient Client(Uri baseUrl, int concurrency, CookieContainer? cookies) =>
    new(new SocketsHttpHandler
    {
        UseCookies = cookies is not null,
        CookieContainer = cookies ?? new CookieContainer(),
        MaxConnectionsPerServer = Math.Max(concurrency, 1),
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    })
    {
        BaseAddress = baseUrl,
        Timeout = System.Threading.Timeout.InfiniteTimeSpan,
    };
