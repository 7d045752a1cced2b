using System.Net.Http.Json;
using Map.Testing;
using OpenQA.Selenium;

namespace Map.Web.Tests;

/// <summary>The chat, users and addresses pages in Chromium.</summary>
public sealed class OtherPagesTests(WebContext web) : IClassFixture<WebContext>
{
    private const string Xss = "<img src=x onerror=alert(1)>";

    [Fact]
    public Task A_bot_users_message_appears_live_and_the_operators_reply_reaches_the_bot() => web.RunAsync(async () =>
    {
        web.SignIn(MapTestContext.RootUsername, MapTestContext.RootPassword, "/admin/chat");
        using var bot = new HttpClient { BaseAddress = web.Web.BrowserAddress };
        bot.DefaultRequestHeaders.Add("X-API-KEY", MapTestContext.BotKey);
        (await bot.PostAsJsonAsync("/api/chat/5005", new { text = Xss, first_name = "Иван" })).EnsureSuccessStatusCode();

        var conversation = web.Find("[data-user-id='5005']");
        Assert.Contains("1", conversation.FindElement(By.CssSelector("[data-unread]")).Text, StringComparison.Ordinal);
        conversation.Click();
        web.UntilText("#chat-history", Xss);
        Assert.False(web.AlertShown());
        Assert.Equal(0L, web.Script("return document.querySelectorAll('img[src=\"x\"]').length"));

        // A second message while the dialog is open is appended without reload.
        (await bot.PostAsJsonAsync("/api/chat/5005", new { text = "ещё вопрос" })).EnsureSuccessStatusCode();
        web.UntilText("#chat-history", "ещё вопрос");

        web.Type("#chat-text", "Ответ оператора");
        web.Click("#chat-send");
        web.UntilText("#chat-history", "Ответ оператора");
        web.UntilText("#chat-history", "в очереди");
        var pending = await bot.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/chat/5005/pending_admin");
        Assert.Equal("Ответ оператора", pending.GetProperty("messages")[0].GetProperty("text").GetString());

        // An empty reply is refused on the page, nothing sent.
        web.Type("#chat-text", "   ");
        web.Click("#chat-send");
        web.UntilText("#chat-error", "Введите текст ответа");
        Assert.Equal(1L, await web.ScalarAsync<long>("SELECT count(*) FROM chat.chat_messages WHERE user_id = '5005' AND sender = 'admin'"));
    });

    [Fact]
    public Task A_superadmin_creates_a_user_and_the_rules_show_as_messages() => web.RunAsync(async () =>
    {
        web.SignIn(MapTestContext.RootUsername, MapTestContext.RootPassword, "/admin/users");
        web.Type("#create-username", "new.operator");
        web.Type("#create-password", "short");
        web.Click("#create-submit");
        web.UntilText("#create-error", "Пароль: от 10 до 1024 символов");

        web.Type("#create-password", "operator-password-1");
        web.Type("#create-zones", "3, 4");
        web.Click("#create-submit");
        web.Find("tr[data-username='new.operator']");
        Assert.Equal("editor", await web.ScalarAsync<string>("SELECT role FROM admin.admin_users WHERE username = 'new.operator'"));
        Assert.Equal(2L, await web.ScalarAsync<long>("SELECT count(*) FROM admin.admin_zones z JOIN admin.admin_users u ON u.id = z.admin_id WHERE u.username = 'new.operator'"));

        // The same name again: the server's message.
        web.Type("#create-username", "NEW.operator");
        web.Type("#create-password", "operator-password-1");
        web.Click("#create-submit");
        web.UntilText("#create-error", "username already exists");

        // Demoting yourself is refused with the server's message.
        web.Find($"tr[data-username='{MapTestContext.RootUsername}'] [data-action='edit']").Click();
        web.Script("document.getElementById('edit-role').value = 'viewer'");
        web.Click("#user-save");
        web.Until(d => d.FindElement(By.CssSelector("#user-error")).Text.Length > 0);
        Assert.Equal("superadmin", await web.ScalarAsync<string>("SELECT role FROM admin.admin_users WHERE username = $1", MapTestContext.RootUsername));

        // The new editor signs in; the users page is not theirs.
        web.Driver.Manage().Cookies.DeleteAllCookies();
        web.SignIn("new.operator", "operator-password-1");
        Assert.DoesNotContain(web.All(".shell-nav a"), a => a.GetAttribute("href")!.EndsWith("/admin/users", StringComparison.Ordinal));
        web.Open("/admin/users");
        web.UntilText("main h1", "Нет доступа");
    });

    [Fact]
    public Task Csv_import_reports_rows_and_export_contains_them() => web.RunAsync(async () =>
    {
        var file = Path.Combine(Path.GetTempPath(), $"map-import-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(file, "name,lat,lon,category\nИмпорт из браузера,53.9,27.5,Домофон\nBad row,200,27.5,Домофон\n");
        web.SignIn(MapTestContext.RootUsername, MapTestContext.RootPassword, "/admin/address-table");
        web.Find("#import-file").SendKeys(file);
        web.Click("#import-run");
        web.UntilText("#import-report", "Импортировано: 1");
        web.UntilText("#import-report", "Строка 3:");
        web.Find("tr[data-address-id]");
        web.UntilText("#table-body", "Импорт из браузера");

        var csv = (string)web.Script("return fetch('/api/export').then(r => r.text())")!;
        Assert.Contains("Импорт из браузера", csv, StringComparison.Ordinal);
        Assert.DoesNotContain("Bad row", csv, StringComparison.Ordinal);

        // Sorting by name and filtering keep working on the page.
        web.Find("button[data-sort='name']").Click();
        web.Until(d => d.FindElement(By.CssSelector("button[data-sort='name']")).FindElement(By.XPath("..")).GetAttribute("aria-sort") == "ascending");
        web.Type("#table-q", "нет такого адреса");
        web.UntilText("#table-body", "Адресов нет");
        File.Delete(file);
    });

    [Fact]
    public Task The_audit_page_verifies_the_chain() => web.RunAsync(async () =>
    {
        web.SignIn(MapTestContext.RootUsername, MapTestContext.RootPassword, "/admin/audit");
        web.Find("tr[data-audit-id]");
        web.Click("#audit-verify");
        web.UntilText("#audit-chain", "Цепочка цела");
        web.Type("#audit-action", "auth.login");
        web.Find("#audit-filters button[type='submit']").Click();
        web.Until(d => d.FindElements(By.CssSelector("tr[data-audit-id]")).All(r => r.Text.Contains("auth.login", StringComparison.Ordinal)));
        await Task.CompletedTask;
    });
}
