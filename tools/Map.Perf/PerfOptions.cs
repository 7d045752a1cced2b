using System.Globalization;

namespace Map.Perf;

internal sealed class PerfOptions
{
    public bool Spawn { get; private set; }

    public Uri? Base { get; private set; }

    public int Runs { get; private set; } = 200;

    public int Concurrency { get; private set; } = 20;

    public TimeSpan Timeout { get; private set; } = TimeSpan.FromSeconds(10);

    public TimeSpan Warmup { get; private set; } = TimeSpan.FromSeconds(3);

    /// <summary>Measurements of every endpoint per scale, interleaved; the figures are their medians.</summary>
    public int Rounds { get; private set; } = 1;

    public TimeSpan MinDuration { get; private set; } = TimeSpan.FromSeconds(2);

    public string? JsonFile { get; private set; }

    /// <summary>Row counts to seed before measuring, in increasing order (<c>--seed-scale N</c> or <c>--scales a,b</c>).</summary>
    public List<long> Scales { get; } = [];

    public HashSet<string> Scenarios { get; } = new(StringComparer.OrdinalIgnoreCase);

    public HashSet<string> Only { get; } = new(StringComparer.OrdinalIgnoreCase);

    public string? PostgresUrl { get; private set; } = Environment.GetEnvironmentVariable("MAP_PERF_PG_URL");

    public string? RedisUrl { get; private set; } = Environment.GetEnvironmentVariable("MAP_PERF_REDIS_URL") ?? "redis://127.0.0.1:6379/14";

    public string? DatabaseUrl { get; private set; } = Environment.GetEnvironmentVariable("MAP_PERF_DATABASE_URL");

    public string? User { get; private set; } = Environment.GetEnvironmentVariable("MAP_PERF_USER");

    public string? Password { get; private set; } = Environment.GetEnvironmentVariable("MAP_PERF_PASSWORD");

    public string? BotKey { get; private set; } = Environment.GetEnvironmentVariable("BOT_API_KEY");

    public const string Usage = """
        Map perf sanity and scaling benchmarks.

          dotnet run --project tools/Map.Perf -c Release -- --spawn [options]
          dotnet run --project tools/Map.Perf -c Release -- --base http://127.0.0.1:8000 --user U --password P [options]

          --spawn               start Map (the built Map.Host.dll) on a free port against a scratch database,
                                migrated and dropped afterwards; needs a PostgreSQL role that may create databases:
                                --pg URL, or MAP_PERF_PG_URL, or the test role of ./scripts/test.sh
          --base URL            measure a running Map; sign in with --user/--password (MAP_PERF_USER/_PASSWORD);
                                bot endpoints need --bot-key (BOT_API_KEY); seeding needs --database-url
          --runs N              requests per worker (default 200)
          --concurrency N       parallel workers (default 20); each endpoint gets runs x concurrency requests,
                                repeated until --min-seconds (default 2) have passed, so fast endpoints get a fair sample
          --timeout SEC         per-request timeout (default 10)
          --warmup SEC          uncounted load on each endpoint before measuring it (default 3; a fresh process
                                runs unoptimised code for its first seconds)
          --seed-scale N        fill each scenario's main table to N rows (PostgreSQL COPY) before measuring
          --scales A,B,...      measure at each scale in turn and compare p99 with the first (e.g. 1000,1000000)
          --rounds N            measure every endpoint N times per scale, one endpoint after the other in each round,
                                and report the medians (default 1): the machine's speed drifts between minutes, and
                                interleaving lets a ratio of two endpoints compare them under the same drift; only
                                the first round warms up for the full --warmup, later ones for at most 2 s
          --scenario a,b        only these scenarios (platform, and one per module)
          --only NAME,...       only endpoints whose name contains one of these texts
          --redis URL           Redis for the spawned Map (default redis://127.0.0.1:6379/14; "none" to run without)
          --json FILE           also write the results as JSON
        """;

    public static PerfOptions Parse(string[] args)
    {
        var options = new PerfOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--spawn": options.Spawn = true; break;
                case "--base": options.Base = new Uri(Next()); break;
                case "--runs": options.Runs = PositiveInt(Next(), "--runs"); break;
                case "--concurrency": options.Concurrency = PositiveInt(Next(), "--concurrency"); break;
                case "--rounds": options.Rounds = PositiveInt(Next(), "--rounds"); break;
                case "--timeout": options.Timeout = TimeSpan.FromSeconds(PositiveInt(Next(), "--timeout")); break;
                case "--min-seconds": options.MinDuration = TimeSpan.FromSeconds(int.TryParse(Next(), CultureInfo.InvariantCulture, out var m) && m >= 0 ? m : throw new ArgumentException("--min-seconds must be a number of seconds")); break;
                case "--warmup": options.Warmup = TimeSpan.FromSeconds(int.TryParse(Next(), CultureInfo.InvariantCulture, out var w) && w >= 0 ? w : throw new ArgumentException("--warmup must be a number of seconds")); break;
                case "--json": options.JsonFile = Next(); break;
                case "--seed-scale": options.Scales.Add(PositiveLong(Next(), "--seed-scale")); break;
                case "--scales":
                    options.Scales.AddRange(Next().Split(',').Select(s => PositiveLong(s, "--scales")));
                    break;
                case "--scenario": options.Scenarios.UnionWith(Next().Split(',', StringSplitOptions.RemoveEmptyEntries)); break;
                case "--only": options.Only.UnionWith(Next().Split(',', StringSplitOptions.RemoveEmptyEntries)); break;
                case "--pg": options.PostgresUrl = Next(); break;
                case "--redis":
                    var redis = Next();
                    options.RedisUrl = redis == "none" ? null : redis;
                    break;
                case "--database-url": options.DatabaseUrl = Next(); break;
                case "--user": options.User = Next(); break;
                case "--password": options.Password = Next(); break;
                case "--bot-key": options.BotKey = Next(); break;
                case "-h" or "--help": throw new ArgumentException("");
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        if (options.Spawn == (options.Base is not null))
        {
            throw new ArgumentException("give exactly one of --spawn or --base");
        }

        options.Scales.Sort();
        return options;
    }

    /// <summary>The PostgreSQL server URL used to create the scratch database in spawn mode.</summary>
    public string ResolvePostgresUrl()
    {
        if (!string.IsNullOrEmpty(PostgresUrl))
        {
            return PostgresUrl;
        }

        if (Environment.GetEnvironmentVariable("MAP_TEST_DATABASE_URL") is { Length: > 0 } testUrl)
        {
            return testUrl;
        }

        var secret = Path.Combine(
            Environment.GetEnvironmentVariable("XDG_CACHE_HOME") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
            "map",
            "test-db-password");
        if (File.Exists(secret))
        {
            return $"postgresql://map_test:{Uri.EscapeDataString(File.ReadAllText(secret).Trim())}@127.0.0.1:5432/postgres";
        }

        throw new ArgumentException("--spawn needs a PostgreSQL role that may create databases: pass --pg URL or MAP_PERF_PG_URL, or run ./scripts/test.sh once (it creates one)");
    }

    private static int PositiveInt(string value, string name) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"{name} must be a positive integer");

    private static long PositiveLong(string value, string name) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"{name} must be a positive integer");
}
