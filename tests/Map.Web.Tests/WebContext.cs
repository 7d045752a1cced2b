using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using Map.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace Map.Web.Tests;

/// <summary>
/// One test class's world for the browser: its database, a Map instance on a real loopback port (Kestrel), a tile
/// server stub, and one headless Chromium reused by every test of the class (each test starts from a clean cookie jar).
/// A derived context may start more stubs and add settings (<see cref="StartStubsAsync"/>).
/// </summary>
public class WebContext : MapTestContext
{
    private static readonly byte[] Tile = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    private WebApplication? tiles;

    public MapInstance Web { get; private set; } = null!;

    public ChromeDriver Driver { get; private set; } = null!;

    private int tileRequests;

    public int TileRequests => Volatile.Read(ref tileRequests);

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var (app, tileUrl) = await LocalHttpServer.StartAsync(server => server.MapGet("/tiles/{z}/{x}/{y}.png", () =>
        {
            Interlocked.Increment(ref tileRequests);
            return Results.Bytes(Tile, "image/png");
        }));
        tiles = app;
        var settings = new Dictionary<string, string?>
        {
            ["MAP_TILE_URL"] = tileUrl + "/tiles/{z}/{x}/{y}.png",
            ["RATE_LIMIT_LOGIN_PER_MINUTE"] = "1000",
        };
        foreach (var (name, value) in await StartStubsAsync())
        {
            settings[name] = value;
        }

        Web = StartInstance(new MapHostOptions { UseKestrel = true, Settings = settings });
        Driver = Browser.Start();
    }

    public override async Task DisposeAsync()
    {
        Driver?.Quit();
        Driver?.Dispose();
        if (tiles is not null)
        {
            await tiles.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    /// <summary>Starts a derived context's stubs before the instance starts; returns the settings that point at them.</summary>
    protected virtual Task<IReadOnlyDictionary<string, string?>> StartStubsAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?>());

    public string Url(string path) => new Uri(Web.BrowserAddress!, path).ToString();

    /// <summary>
    /// Runs a browser test; on failure saves a screenshot and the page's console log under TestResults/browser.
    /// Starts from no cookies and a blank page.
    /// </summary>
    public async Task RunAsync(Func<Task> test, [CallerMemberName] string name = "")
    {
        Driver.Navigate().GoToUrl(Url("/assets/shell/shell.css"));
        Driver.Manage().Cookies.DeleteAllCookies();
        try
        {
            await test();
        }
        catch
        {
            Browser.SaveArtifacts(Driver, name);
            throw;
        }
    }

    public void Open(string path) => Driver.Navigate().GoToUrl(Url(path));

    /// <summary>Signs in through the login page.</summary>
    public void SignIn(string username, string password, string next = "/")
    {
        Open("/login?next=" + Uri.EscapeDataString(next));
        Type("#login-username", username);
        Type("#login-password", password);
        Find("#login-submit").Click();
        Until(d => new Uri(d.Url).AbsolutePath == next.Split('?', '#')[0]);
        WaitLive();
    }

    /// <summary>The page's realtime socket is open (the shell marks it on the root element).</summary>
    public void WaitLive() => Until(d => Attribute("html", "data-live") == "open");

    public IWebElement Find(string css) => Until(d => d.FindElements(By.CssSelector(css)).FirstOrDefault(e => e.Displayed)!);

    /// <summary>Clicks once the element is shown and enabled (not busy with a previous request).</summary>
    public void Click(string css) => Until(d => d.FindElements(By.CssSelector(css)).FirstOrDefault(e => e.Displayed && e.Enabled)!).Click();

    public IReadOnlyCollection<IWebElement> All(string css) => Driver.FindElements(By.CssSelector(css));

    public string? Attribute(string css, string name) => Driver.FindElements(By.CssSelector(css)).FirstOrDefault()?.GetAttribute(name);

    public void Type(string css, string text)
    {
        var element = Find(css);
        element.Clear();
        element.SendKeys(text);
    }

    public object? Script(string script, params object[] args) => Driver.ExecuteScript(script, args);

    public T Until<T>(Func<IWebDriver, T> condition, int seconds = 10)
    {
        var wait = new WebDriverWait(Driver, TimeSpan.FromSeconds(seconds)) { PollingInterval = TimeSpan.FromMilliseconds(50) };
        wait.IgnoreExceptionTypes(typeof(NoSuchElementException), typeof(StaleElementReferenceException));
        return wait.Until(condition);
    }

    public void UntilText(string css, string text, int seconds = 10) =>
        Until(d => d.FindElements(By.CssSelector(css)).Any(e => e.Text.Contains(text, StringComparison.Ordinal)), seconds);

    /// <summary>A bot submission through the bot API, as the Telegram bot sends it.</summary>
    /// <summary>A report as the bot sends it (<paramref name="force"/>: skip the duplicate check); returns the pending id.</summary>
    public async Task<int> SubmitFromBotAsync(string name, double lat, double lon, bool force = true)
    {
        using var bot = new HttpClient { BaseAddress = Web.BrowserAddress };
        bot.DefaultRequestHeaders.Add("X-API-KEY", BotKey);
        var response = await bot.PostAsJsonAsync("/api/bot/markers" + (force ? "?force=1" : ""), new { name, lat, lon, user_id = "777", message_id = Guid.NewGuid().ToString("N") });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        return body.GetProperty("pending").GetInt32();
    }

    /// <summary>True when a JavaScript dialog (alert) is open; closes it.</summary>
    public bool AlertShown()
    {
        try
        {
            Driver.SwitchTo().Alert().Dismiss();
            return true;
        }
        catch (NoAlertPresentException)
        {
            return false;
        }
    }
}

/// <summary>Debian's Chromium through Debian's chromedriver; nothing is downloaded.</summary>
public static class Browser
{
    public static ChromeDriver Start()
    {
        var options = new ChromeOptions { BinaryLocation = Environment.GetEnvironmentVariable("MAP_TEST_CHROMIUM") ?? "/usr/bin/chromium" };
        options.AddArguments(
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1366,768",
            "--user-data-dir=" + Directory.CreateTempSubdirectory("map-chromium-").FullName);
        options.SetLoggingPreference(LogType.Browser, LogLevel.All);
        var driverPath = Environment.GetEnvironmentVariable("MAP_TEST_CHROMEDRIVER") ?? "/usr/bin/chromedriver";
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(driverPath)!, Path.GetFileName(driverPath));
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        driver.Manage().Timeouts().PageLoad = TimeSpan.FromSeconds(20);
        return driver;
    }

    public static void SaveArtifacts(ChromeDriver driver, string name)
    {
        try
        {
            var repository = new DirectoryInfo(AppContext.BaseDirectory);
            while (repository.Parent is not null && !File.Exists(Path.Combine(repository.FullName, "Map.slnx")))
            {
                repository = repository.Parent;
            }

            var folder = Path.Combine(repository.FullName, "TestResults", "browser");
            var root = Environment.GetEnvironmentVariable("MAP_TEST_ARTIFACTS");
            if (!string.IsNullOrEmpty(root))
            {
                folder = Path.Combine(root, "browser");
            }

            Directory.CreateDirectory(folder);
            driver.GetScreenshot().SaveAsFile(Path.Combine(folder, name + ".png"));
            var log = driver.Manage().Logs.GetLog(LogType.Browser).Select(e => $"{e.Timestamp:O} {e.Level} {e.Message}");
            File.WriteAllLines(Path.Combine(folder, name + ".console.log"), [$"url: {driver.Url}", .. log]);
            File.WriteAllText(Path.Combine(folder, name + ".html"), driver.PageSource);
        }
        catch (WebDriverException)
        {
            // The browser is gone: the test's own failure says why.
        }
    }
}
