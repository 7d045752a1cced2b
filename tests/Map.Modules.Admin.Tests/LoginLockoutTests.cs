using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Map.SharedKernel;
using Map.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Map.Modules.Admin.Tests;

/// <summary>
/// Issue 17 row 11: a client cannot choose its own address, and many addresses do not buy more guesses at one account.
/// Time moves only by the fake clock.
/// </summary>
public sealed class LoginLockoutTests(AdminTestContext map) : IClassFixture<AdminTestContext>
{
    private static Task<HttpResponseMessage> LoginAsync(HttpClient client, string username, string password, string? forwardedFor = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/login") { Content = JsonContent.Create(new { username, password }) };
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        return client.SendAsync(request);
    }

    [Fact]
    public async Task A_forwarded_for_header_from_a_peer_that_is_not_a_trusted_proxy_is_ignored_by_the_limit_and_the_audit()
    {
        // Default settings: no trusted proxy at all, not even loopback (the probe used 127.0.0.1 and 30 addresses).
        var app = map.StartInstance();
        var local = app.CreateBrowser(peer: "127.0.0.1");
        var username = AdminTestContext.Unique("spoof");
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 12; i++)
        {
            // A new name each time: only the per-address limit (10 a minute) can stop these.
            answers.Add((await LoginAsync(local, username + i, "wrong-password-" + i, $"203.0.113.{i + 1}")).StatusCode);
        }

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 10).Append(HttpStatusCode.TooManyRequests).Append(HttpStatusCode.TooManyRequests), answers);
        Assert.Equal(10L, await map.ScalarAsync<long>("SELECT count(*) FROM admin.admin_audit_log WHERE action = 'auth.login_failed' AND actor LIKE $1 AND ip = '127.0.0.1'", username + "%"));
        Assert.Equal(0L, await map.ScalarAsync<long>("SELECT count(*) FROM admin.admin_audit_log WHERE ip LIKE '203.0.113.%'"));
    }

    [Fact]
    public async Task A_trusted_proxy_still_reports_the_client_address()
    {
        var app = map.StartInstance(new MapHostOptions { Settings = new Dictionary<string, string?> { ["TRUSTED_PROXIES"] = "10.77.0.1" } });

        var response = await LoginAsync(app.CreateBrowser(peer: "10.77.0.1"), "proxied-nobody", "wrong-password-1", "198.51.100.44");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("198.51.100.44", await map.ScalarAsync<string>("SELECT ip FROM admin.admin_audit_log WHERE actor = 'proxied-nobody'"));
    }

    [Fact]
    public async Task Failures_from_many_addresses_lock_the_account_name_and_unknown_names_get_the_same_answer_until_the_window_ends()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var app = map.StartInstance(new MapHostOptions
        {
            Clock = clock,
            Settings = new Dictionary<string, string?>
            {
                ["RATE_LIMIT_LOGIN_PER_MINUTE"] = "100",
                ["LOGIN_ACCOUNT_MAX_FAILURES"] = "5",
                ["LOGIN_ACCOUNT_WINDOW_MIN"] = "15",
            },
        });
        var username = AdminTestContext.Unique("target");
        await map.CreateAdminAsync(username, AdminRole.Editor, AdminTestContext.Password);
        var unknown = AdminTestContext.Unique("ghost");

        var failures = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            // A different address for every try: the per-address limit never sees more than one.
            var known = await LoginAsync(app.CreateBrowser(peer: $"192.0.2.{10 + i}"), username, "wrong-password-" + i);
            var ghost = await LoginAsync(app.CreateBrowser(peer: $"192.0.2.{110 + i}"), unknown, "wrong-password-" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, known.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, ghost.StatusCode);
            failures.Add(await known.Content.ReadAsStringAsync());
            failures.Add(await ghost.Content.ReadAsStringAsync());
            clock.Advance(TimeSpan.FromSeconds(30));
        }

        // The right password from a fresh address is refused too: the name is locked, the password is not even checked.
        var locked = await LoginAsync(app.CreateBrowser(peer: "192.0.2.200"), username, AdminTestContext.Password);
        var ghostLocked = await LoginAsync(app.CreateBrowser(peer: "192.0.2.201"), unknown, AdminTestContext.Password);

        Assert.Single(failures.Distinct());
        Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, ghostLocked.StatusCode);
        var body = await locked.JsonAsync();
        var ghostBody = await ghostLocked.JsonAsync();
        Assert.Equal("rate_limited", body.GetProperty("error").GetString());
        Assert.Equal("Too many failed sign-ins for this account. Try again later.", body.GetProperty("message").GetString());
        Assert.Equal(5, body.GetProperty("limit").GetInt32());
        // The first failure leaves the window 15 minutes after it happened, 2.5 minutes ago.
        Assert.Equal(750, body.GetProperty("reset_in").GetInt32());
        Assert.Equal(Strip(body), Strip(ghostBody));
        Assert.Equal(body.GetProperty("reset_in").GetInt32(), ghostBody.GetProperty("reset_in").GetInt32());
        Assert.Equal("750", locked.Headers.RetryAfter!.ToString());
        Assert.Equal(2L, await map.ScalarAsync<long>("SELECT count(*) FROM admin.admin_audit_log WHERE action = 'auth.login_locked' AND actor IN ($1, $2)", username, unknown));

        // Other accounts are untouched; once the oldest failure leaves the window, the right password works again.
        var other = await LoginAsync(app.CreateBrowser(peer: "192.0.2.202"), MapTestContext.RootUsername, MapTestContext.RootPassword);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        clock.Advance(TimeSpan.FromSeconds(749));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await LoginAsync(app.CreateBrowser(peer: "192.0.2.203"), username, AdminTestContext.Password)).StatusCode);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(app.CreateBrowser(peer: "192.0.2.204"), username, AdminTestContext.Password)).StatusCode);
    }

    private static string Strip(JsonElement body) =>
        string.Join(",", body.EnumerateObject().Where(p => p.Name != "reset_in").Select(p => p.Name + "=" + p.Value.GetRawText()));
}
