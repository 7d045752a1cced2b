using System.Drawing;
using System.Net.Http.Json;
using Map.Testing;

namespace Map.Web.Tests;

/// <summary>
/// Every page of the shell's navigation, at a phone's width and at 1366×768: the page itself never scrolls sideways
/// (a wide table scrolls inside its panel). The pages are taken from the navigation the superadmin sees, so a new
/// page is checked without touching this test.
/// </summary>
public sealed class PageWidthTests(WebContext web) : IClassFixture<WebContext>
{
    /// <summary>How far the page, or the shell's main area (which scrolls on its own), reaches past its width.</summary>
    private const string WidestOverflow = """
        return Math.max(...[document.documentElement, document.querySelector('.shell-main')]
          .filter(e => e)
          .map(e => e.scrollWidth - e.clientWidth));
        """;

    [Theory]
    [InlineData(390, 844)]
    [InlineData(1366, 768)]
    public Task No_page_of_the_navigation_is_wider_than_the_window(int width, int height) => web.RunAsync(async () =>
    {
        await SeedRowsAsync();
        web.SignIn(MapTestContext.RootUsername, MapTestContext.RootPassword, "/");
        web.Find(".shell-nav a");
        var paths = ((IEnumerable<object>)web.Script("return Array.from(document.querySelectorAll('.shell-nav a')).map(a => a.getAttribute('href'))")!)
            .Cast<string>().Prepend("/").Distinct(StringComparer.Ordinal).ToList();
        Assert.True(paths.Count >= 8, string.Join(", ", paths));

        var window = web.Driver.Manage().Window;
        window.Size = new Size(width, height);
        try
        {
            web.Open("/");
            Assert.InRange(Convert.ToInt64(web.Script("return window.innerWidth"), System.Globalization.CultureInfo.InvariantCulture), width - 20, width);
            var tooWide = new List<string>();
            foreach (var path in paths)
            {
                web.Open(path);
                web.Until(_ => Equals(web.Script("return document.readyState"), "complete"));
                web.Until(_ => Equals(web.Script("return document.querySelectorAll('[aria-busy=\"true\"]').length"), 0L));
                var overflow = Convert.ToInt64(web.Script(WidestOverflow), System.Globalization.CultureInfo.InvariantCulture);
                if (overflow > 1)
                {
                    tooWide.Add($"{path} is {overflow}px wider than the window");
                }
            }

            Assert.Empty(tooWide);
        }
        finally
        {
            window.Size = new Size(1366, 768);
        }
    });

    /// <summary>Rows with long texts in the tables that list them, so a table has something to be wide with.</summary>
    private async Task SeedRowsAsync()
    {
        var longText = "Очень_длинный_текст_без_пробелов_" + new string('ж', 60);
        await web.SubmitFromBotAsync(longText, 53.9, 27.56);
        using var bot = new HttpClient { BaseAddress = web.Web.BrowserAddress };
        bot.DefaultRequestHeaders.Add("X-API-KEY", MapTestContext.BotKey);
        var telegramId = Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        (await bot.PostAsJsonAsync("/api/service/access/request", new { tg_user_id = telegramId, note = longText })).EnsureSuccessStatusCode();
        (await bot.PostAsJsonAsync("/api/chat/" + telegramId, new { text = longText, first_name = longText })).EnsureSuccessStatusCode();
    }
}
