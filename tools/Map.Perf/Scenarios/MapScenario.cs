using System.Globalization;
using System.Net;
using NpgsqlTypes;
using OpenQA.Selenium.Chrome;

namespace Map.Perf.Scenarios;

/// <summary>
/// The map page's viewport reads (<c>GET /api/addresses/map</c>) at zoom 5 (the whole country in a few clusters),
/// 10 (a region: cells) and 16 (streets: points), each over random 1366×768 viewports inside the seeded area.
/// Seeding fills <c>addresses</c> to the scale with COPY, spread over Belarus like the markers scenario; the
/// statement trigger keeps the cluster cells. Compare p99 at 1 k and 1 M:
/// <c>--scenario map --scales 1000,1000000</c>. When Debian's Chromium and chromedriver are installed, the scenario
/// also opens the map page itself in headless Chromium (1366×768, signed in as the tool's admin) one load at a time and
/// times each load from navigation to the first viewport drawn (the page's <c>data-map-ready</c>).
/// </summary>
internal sealed class MapScenario : IPerfScenario, IDisposable
{
    public const string PageName = "GET / in headless Chromium → first viewport drawn";
    private const string Chromium = "/usr/bin/chromium";
    private const string ChromeDriverPath = "/usr/bin/chromedriver";
    private ChromeDriver? browser;

    private const double LatMin = 51.3;
    private const double LatSpan = 4.8;
    private const double LonMin = 23.2;
    private const double LonSpan = 9.5;

    public string Name => "map";

    public Task PrepareAsync(PerfContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task SeedAsync(PerfContext context, long totalRows, CancellationToken cancellationToken)
    {
        var database = context.RequireDatabase("Seeding the map scenario");
        await using var count = database.CreateCommand("SELECT count(*) FROM markers.addresses");
        var existing = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        if (existing >= totalRows)
        {
            return;
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var writer = await connection.BeginBinaryImportAsync(
            "COPY markers.addresses (name, name_key, lat, lon, status, category, created_at, updated_at) FROM STDIN (FORMAT BINARY)", cancellationToken);
        var now = DateTime.UtcNow;
        string[] categories = ["Видеонаблюдение", "Домофон", "Шлагбаум"];
        for (var i = existing; i < totalRows; i++)
        {
            var (lat, lon) = Point(9_000_000_000L + i);
            var name = $"map seed {i}";
            await writer.StartRowAsync(cancellationToken);
            await writer.WriteAsync(name, NpgsqlDbType.Varchar, cancellationToken);
            await writer.WriteAsync(name, NpgsqlDbType.Varchar, cancellationToken);
            await writer.WriteAsync(lat, NpgsqlDbType.Double, cancellationToken);
            await writer.WriteAsync(lon, NpgsqlDbType.Double, cancellationToken);
            await writer.WriteAsync("Локальный доступ", NpgsqlDbType.Varchar, cancellationToken);
            await writer.WriteAsync(categories[i % categories.Length], NpgsqlDbType.Varchar, cancellationToken);
            await writer.WriteAsync(now, NpgsqlDbType.TimestampTz, cancellationToken);
            await writer.WriteAsync(now, NpgsqlDbType.TimestampTz, cancellationToken);
        }

        await writer.CompleteAsync(cancellationToken);
    }

    public IEnumerable<PerfEndpoint> Endpoints(PerfContext context)
    {
        foreach (var zoom in new[] { 5, 10, 16 })
        {
            yield return new($"GET /api/addresses/map z{zoom}", (c, seq, ct) => c.Admin.GetAsync(Viewport(zoom, seq), ct));
        }

        if (File.Exists(Chromium) && File.Exists(ChromeDriverPath))
        {
            yield return new(PageName, (_, _, _) => Task.FromResult(LoadPage(context))) { MaxConcurrency = 1, Runs = 15 };
        }
    }

    public void Dispose() => browser?.Quit();

    /// <summary>One page load: navigate to <c>/</c> and wait until the page has drawn its first viewport.</summary>
    private HttpResponseMessage LoadPage(PerfContext context)
    {
        var driver = browser ??= StartBrowser(context);
        driver.Navigate().GoToUrl(new Uri(context.BaseUrl, "/"));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (driver.ExecuteScript("return document.documentElement.getAttribute('data-map-ready')") is null)
        {
            if (DateTime.UtcNow > deadline)
            {
                return new HttpResponseMessage(HttpStatusCode.GatewayTimeout);
            }

            Thread.Sleep(10);
        }

        // Redirected to the login page would be a failure, not a fast load.
        return new HttpResponseMessage(new Uri(driver.Url).AbsolutePath == "/" ? HttpStatusCode.OK : HttpStatusCode.Unauthorized);
    }

    private static ChromeDriver StartBrowser(PerfContext context)
    {
        var options = new ChromeOptions { BinaryLocation = Chromium };
        options.AddArguments(
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-dev-shm-usage", "--window-size=1366,768", "--user-data-dir=" + Directory.CreateTempSubdirectory("map-perf-chromium-").FullName);
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriverPath)!, Path.GetFileName(ChromeDriverPath));
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));

        // The tool's admin session: a page of the origin first, so the browser accepts its cookies.
        driver.Navigate().GoToUrl(new Uri(context.BaseUrl, "/login"));
        foreach (System.Net.Cookie cookie in context.AdminCookies.GetCookies(context.BaseUrl))
        {
            driver.Manage().Cookies.AddCookie(new OpenQA.Selenium.Cookie(cookie.Name, cookie.Value, "/"));
        }

        return driver;
    }

    /// <summary>A 1366×768-pixel viewport at <paramref name="zoom"/>, centred on a random point of the seeded area.</summary>
    private static string Viewport(int zoom, long seq)
    {
        var (lat, lon) = Point(seq * 7919);
        var degreesPerPixel = 360.0 / (256 * Math.Pow(2, zoom));
        var halfWidth = 683 * degreesPerPixel;
        var halfHeight = 384 * degreesPerPixel * Math.Cos(lat * Math.PI / 180);
        var box = string.Join(',', new[] { lon - halfWidth, lat - halfHeight, lon + halfWidth, lat + halfHeight }
            .Select(v => v.ToString("F6", CultureInfo.InvariantCulture)));
        return $"/api/addresses/map?bbox={box}&zoom={zoom}";
    }

    private static (double Lat, double Lon) Point(long n)
    {
        var hash = (ulong)n * 0x9E3779B97F4A7C15UL;
        hash ^= hash >> 29;
        hash *= 0xBF58476D1CE4E5B9UL;
        hash ^= hash >> 32;
        var u = (hash & 0xFFFFFFFF) / (double)uint.MaxValue;
        var v = (hash >> 32) / (double)uint.MaxValue;
        return (Math.Round(LatMin + (u * LatSpan), 6), Math.Round(LonMin + (v * LonSpan), 6));
    }
}
