using System.Net;
using System.Net.Http.Json;
using System.Text;
using Map.SharedKernel;
using Map.Testing;

namespace Map.Modules.Admin.Tests;

public sealed class LoginTests(AdminTestContext map) : IClassFixture<AdminTestContext>
{
    [Fact]
    public async Task Login_answers_status_role_and_csrf_token_sets_the_cookies_and_is_audited()
    {
        var response = await map.Api.CreateBrowser(peer: "10.9.0.1").PostAsJsonAsync("/login", new { username = MapTestContext.RootUsername, password = MapTestContext.RootPassword });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.JsonAsync();
        Assert.Equal("ok", body.GetProperty("status").GetString());
        Assert.Equal("superadmin", body.GetProperty("role").GetString());
        var csrf = body.GetProperty("csrf_token").GetString()!;
        var cookies = response.Headers.GetValues("Set-Cookie").ToList();
        var session = cookies.Single(c => c.StartsWith("map_session=", StringComparison.Ordinal));
        var csrfCookie = cookies.Single(c => c.StartsWith("csrf_token=", StringComparison.Ordinal));
        Assert.Contains("httponly", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("expires=", session, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith($"csrf_token={csrf};", csrfCookie, StringComparison.Ordinal);
        Assert.DoesNotContain("httponly", csrfCookie, StringComparison.OrdinalIgnoreCase);
        Assert.True(await map.ScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM admin.admin_audit_log WHERE action = 'auth.login' AND actor = $1 AND ip = '10.9.0.1' AND payload->>'username' = $1)",
            MapTestContext.RootUsername));
    }

    [Fact]
    public async Task Me_says_who_is_signed_in_and_guest_otherwise()
    {
        var anonymous = await (await map.Api.CreateBrowser().GetAsync("/me")).JsonAsync();
        var (_, editor) = await map.SignInNewAsync("me", AdminRole.Editor);
        var signedIn = await (await editor.Http.GetAsync("/me")).JsonAsync();

        HttpAssertions.AssertJsonEqual("""{"is_admin":false,"role":"guest","username":null}""", anonymous);
        HttpAssertions.AssertJsonEqual($$"""{"is_admin":true,"role":"editor","username":"{{editor.Username}}"}""", signedIn);
    }

    [Fact]
    public async Task Wrong_credentials_answer_401_and_every_failure_is_audited_without_the_password()
    {
        var username = AdminTestContext.Unique("fail");
        await map.CreateAdminAsync(username, AdminRole.Editor, AdminTestContext.Password);
        var inactive = AdminTestContext.Unique("off");
        await map.CreateAdminAsync(inactive, AdminRole.Editor, AdminTestContext.Password, active: false);
        var browser = map.Api.CreateBrowser(peer: "10.9.0.2");

        var wrongPassword = await browser.PostAsJsonAsync("/login", new { username, password = "wrong-secret-value-1" });
        var unknownUser = await browser.PostAsJsonAsync("/login", new { username = username + "x", password = "wrong-secret-value-2" });
        var deactivated = await browser.PostAsJsonAsync("/login", new { username = inactive, password = AdminTestContext.Password });
        var empty = await browser.PostAsJsonAsync("/login", new { });

        foreach (var response in new[] { wrongPassword, unknownUser, deactivated, empty })
        {
            await response.AssertErrorAsync(HttpStatusCode.Unauthorized, "Invalid credentials");
            Assert.DoesNotContain(response.Headers, h => h.Key == "Set-Cookie" && h.Value.Any(v => v.StartsWith("map_session=", StringComparison.Ordinal)));
        }

        Assert.Equal(4L, await map.ScalarAsync<long>("SELECT count(*) FROM admin.admin_audit_log WHERE action = 'auth.login_failed' AND ip = '10.9.0.2'"));
        Assert.Equal(username, await map.ScalarAsync<string>(
            "SELECT payload->>'username' FROM admin.admin_audit_log WHERE action = 'auth.login_failed' AND actor = $1", username));
        Assert.Equal(0L, await map.ScalarAsync<long>(
            "SELECT count(*) FROM admin.admin_audit_log WHERE payload::text LIKE '%wrong-secret-value%' OR payload::text LIKE $1", "%" + AdminTestContext.Password + "%"));
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { "{\"username\":", "invalid json" },
        { "[\"root\"]", "invalid json: an object is expected" },
        { """{"username":"root","password":"root-password-123","remember":true}""", "unknown field: remember" },
        { """{"username":["root"],"password":"root-password-123"}""", "username must be a string" },
        { """{"username":"root","password":123}""", "password must be a string" },
        { """{"username":"root","password":"root-password-123","password":"other"}""", "invalid json" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Bad_login_bodies_are_400_and_sign_nobody_in(string body, string error)
    {
        var sessions = await map.ScalarAsync<long>("SELECT count(*) FROM admin.admin_sessions");

        var response = await map.Api.CreateBrowser().PostAsync("/login", new StringContent(body, Encoding.UTF8, "application/json"));

        await response.AssertErrorAsync(HttpStatusCode.BadRequest, error);
        Assert.Equal(sessions, await map.ScalarAsync<long>("SELECT count(*) FROM admin.admin_sessions"));
    }

    [Fact]
    public async Task An_oversized_login_body_is_400()
    {
        var body = $$"""{"username":"root","password":"{{new string('x', 40_000)}}"}""";

        var response = await map.Api.CreateBrowser().PostAsync("/login", new StringContent(body, Encoding.UTF8, "application/json"));

        await response.AssertErrorAsync(HttpStatusCode.BadRequest, "request body too large");
    }

    [Fact]
    public async Task Logins_over_the_per_ip_limit_answer_429_with_the_legacy_body()
    {
        var limited = map.StartInstance(new MapHostOptions { Settings = new Dictionary<string, string?> { ["RATE_LIMIT_LOGIN_PER_MINUTE"] = "3" } });
        var browser = limited.CreateBrowser(peer: "10.9.9.9");
        for (var i = 0; i < 3; i++)
        {
            await browser.PostAsJsonAsync("/login", new { username = "nobody-here", password = "wrong-password-0" });
        }

        var rejected = await browser.PostAsJsonAsync("/login", new { username = MapTestContext.RootUsername, password = MapTestContext.RootPassword });
        var otherAddress = await limited.CreateBrowser(peer: "10.9.9.10").PostAsJsonAsync("/login", new { username = MapTestContext.RootUsername, password = MapTestContext.RootPassword });

        Assert.Equal(HttpStatusCode.TooManyRequests, rejected.StatusCode);
        var body = await rejected.JsonAsync();
        Assert.Equal("rate_limited", body.GetProperty("error").GetString());
        Assert.Equal(3, body.GetProperty("limit").GetInt32());
        Assert.Equal(0, body.GetProperty("remaining").GetInt32());
        Assert.InRange(body.GetProperty("reset_in").GetInt32(), 1, 60);
        Assert.Equal(HttpStatusCode.OK, otherAddress.StatusCode);
    }
}
