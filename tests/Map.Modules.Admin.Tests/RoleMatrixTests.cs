using System.Net;
using System.Text;
using Map.SharedKernel;

namespace Map.Modules.Admin.Tests;

/// <summary>Spec §8 rows that touch this module: who reaches which endpoint, and CSRF on every cookie-authenticated write.</summary>
public sealed class RoleMatrixTests(AdminTestContext map) : IClassFixture<AdminTestContext>
{
    public enum Caller
    {
        Anonymous,
        Bot,
        Viewer,
        Editor,
        Superadmin,
    }

    /// <summary>Superadmin-only endpoints: what a superadmin gets. <c>{target}</c> is a fresh editor, <c>{name}</c> a fresh username.</summary>
    private static readonly Dictionary<string, (string Method, string Path, string? Body, HttpStatusCode Allowed)> SuperadminEndpoints = new()
    {
        ["list"] = ("GET", "/api/admin/users", null, HttpStatusCode.OK),
        ["list/"] = ("GET", "/api/admin/users/", null, HttpStatusCode.OK),
        ["create"] = ("POST", "/api/admin/users", """{"username":"{name}","password":"a-good-password"}""", HttpStatusCode.Created),
        ["create/"] = ("POST", "/api/admin/users/", """{"username":"{name}","password":"a-good-password"}""", HttpStatusCode.Created),
        ["put"] = ("PUT", "/api/admin/users/{target}", """{"role":"viewer"}""", HttpStatusCode.OK),
        ["patch"] = ("PATCH", "/api/admin/users/{target}", """{"is_active":false}""", HttpStatusCode.OK),
        ["delete"] = ("DELETE", "/api/admin/users/{target}", null, HttpStatusCode.OK),
        ["audit"] = ("GET", "/api/audit", null, HttpStatusCode.OK),
        ["audit/"] = ("GET", "/api/audit/?limit=5&action=user.create", null, HttpStatusCode.OK),
        ["verify"] = ("GET", "/api/audit/verify", null, HttpStatusCode.OK),
    };

    public static TheoryData<string, Caller> SuperadminMatrix()
    {
        var data = new TheoryData<string, Caller>();
        foreach (var endpoint in SuperadminEndpoints.Keys)
        {
            foreach (var caller in Enum.GetValues<Caller>())
            {
                data.Add(endpoint, caller);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SuperadminMatrix))]
    public async Task Admin_users_and_audit_are_superadmin_only(string endpoint, Caller caller)
    {
        var (method, path, body, allowed) = SuperadminEndpoints[endpoint];
        var targetId = await map.CreateAdminAsync(AdminTestContext.Unique("target"), AdminRole.Editor);
        var client = await ClientAsync(caller);
        var users = await map.ScalarAsync<long>("SELECT count(*) FROM admin.admin_users");
        var audits = await map.ScalarAsync<long>("SELECT count(*) FROM admin.admin_audit_log WHERE action LIKE 'user.%'");

        var response = await client.SendAsync(Request(method, path, body, targetId));

        if (caller == Caller.Superadmin)
        {
            Assert.Equal(allowed, response.StatusCode);
            return;
        }

        await response.AssertErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(users, await map.ScalarAsync<long>("SELECT count(*) FROM admin.admin_users"));
        Assert.Equal(audits, await map.ScalarAsync<long>("SELECT count(*) FROM admin.admin_audit_log WHERE action LIKE 'user.%'"));
        Assert.Equal("editor", await map.ScalarAsync<string>("SELECT role FROM admin.admin_users WHERE id = $1 AND is_active", targetId));
    }

    public static TheoryData<Caller> Callers() => [.. Enum.GetValues<Caller>()];

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task Session_endpoints_answer_everyone_and_setrole_grants_nobody_anything(Caller caller)
    {
        var client = await ClientAsync(caller);

        var me = await client.GetAsync("/me");
        var setRole = await client.PostAsync("/setrole/superadmin", null);
        var logout = await client.PostAsync("/logout", null);

        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        var body = await me.JsonAsync();
        Assert.Equal(caller is Caller.Viewer or Caller.Editor or Caller.Superadmin, body.GetProperty("is_admin").GetBoolean());
        Assert.Equal(caller is Caller.Anonymous or Caller.Bot ? "guest" : caller.ToString().ToLowerInvariant(), body.GetProperty("role").GetString());
        await setRole.AssertErrorAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
    }

    public static TheoryData<string, string> CsrfCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var write in new[] { "create", "create/", "put", "patch", "delete", "logout" })
        {
            foreach (var token in new[] { "missing", "wrong", "legacy-header", "right" })
            {
                data.Add(write, token);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CsrfCases))]
    public async Task Cookie_authenticated_writes_need_the_session_csrf_token(string write, string token)
    {
        var (method, path, body) = write == "logout"
            ? ("POST", "/logout", null)
            : (SuperadminEndpoints[write].Method, SuperadminEndpoints[write].Path, SuperadminEndpoints[write].Body);
        var username = AdminTestContext.Unique("csrf");
        await map.CreateAdminAsync(username, AdminRole.Superadmin, AdminTestContext.Password);
        var admin = await map.Api.LoginAsync(username, AdminTestContext.Password, sendCsrf: false);
        var client = admin.Http;
        var csrf = admin.CsrfToken;
        var targetId = await map.CreateAdminAsync(AdminTestContext.Unique("target"), AdminRole.Editor);
        var users = await map.ScalarAsync<long>("SELECT count(*) FROM admin.admin_users");
        var request = Request(method, path, body, targetId);
        switch (token)
        {
            case "wrong": request.Headers.Add("X-CSRF-Token", "not-the-token"); break;
            case "legacy-header": request.Headers.Add("X-CSRFToken", csrf); break;
            case "right": request.Headers.Add("X-CSRF-Token", csrf); break;
        }

        var response = await client.SendAsync(request);

        if (token is "missing" or "wrong")
        {
            await response.AssertErrorAsync(HttpStatusCode.Forbidden, "forbidden");
            Assert.Equal(users, await map.ScalarAsync<long>("SELECT count(*) FROM admin.admin_users"));
            Assert.Equal("editor", await map.ScalarAsync<string>("SELECT role FROM admin.admin_users WHERE id = $1 AND is_active", targetId));
            Assert.True(await client.IsAdminAsync());
        }
        else
        {
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    private async Task<HttpClient> ClientAsync(Caller caller) => caller switch
    {
        Caller.Anonymous => map.Api.CreateBrowser(),
        Caller.Bot => map.Api.CreateBot(),
        Caller.Viewer => (await map.SignInNewAsync("viewer", AdminRole.Viewer)).Client.Http,
        Caller.Editor => (await map.SignInNewAsync("editor", AdminRole.Editor)).Client.Http,
        _ => (await map.SignInNewAsync("super", AdminRole.Superadmin)).Client.Http,
    };

    private static HttpRequestMessage Request(string method, string path, string? body, int targetId)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{target}", targetId.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        if (body is not null)
        {
            request.Content = new StringContent(body.Replace("{name}", AdminTestContext.Unique("made"), StringComparison.Ordinal), Encoding.UTF8, "application/json");
        }

        return request;
    }
}
