using System.Net;
using System.Net.Http.Json;
using Map.Modules.Admin.Sessions;
using Map.SharedKernel;
using Map.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Map.Modules.Admin.Tests;

/// <summary>Server-side sessions: what ends them, and that access follows the account's current state.</summary>
public sealed class SessionTests(AdminTestContext map) : IClassFixture<AdminTestContext>
{
    private async Task<(int Id, string Username, RawSession Session)> SignInRawAsync(string prefix, AdminRole role)
    {
        var username = AdminTestContext.Unique(prefix);
        var id = await map.CreateAdminAsync(username, role, AdminTestContext.Password);
        return (id, username, await RawSession.LoginAsync(map.Api, username, AdminTestContext.Password));
    }

    [Fact]
    public async Task Logout_ends_the_session_server_side_so_a_copied_cookie_stops_working()
    {
        var (id, username, session) = await SignInRawAsync("out", AdminRole.Superadmin);
        var browser = session.Client(map.Api);
        var copy = session.Client(map.Api);
        Assert.Equal(HttpStatusCode.OK, (await copy.GetAsync("/api/admin/users")).StatusCode);

        var logout = await browser.PostAsync("/logout", null);

        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await copy.GetAsync("/api/admin/users")).StatusCode);
        Assert.False(await copy.IsAdminAsync());
        Assert.Equal(0L, await map.SessionCountAsync(id));
        Assert.Equal(1L, await map.ScalarAsync<long>("SELECT count(*) FROM admin.admin_audit_log WHERE action = 'auth.logout' AND actor = $1", username));
    }

    [Fact]
    public async Task Every_login_gets_a_new_session_and_a_browser_signing_in_again_drops_its_old_one()
    {
        var (id, username, first) = await SignInRawAsync("again", AdminRole.Editor);
        var browser = first.Client(map.Api);

        var relogin = await browser.PostAsJsonAsync("/login", new { username, password = AdminTestContext.Password });
        var second = relogin.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("map_session=", StringComparison.Ordinal)).Split(';')[0];
        var elsewhere = await RawSession.LoginAsync(map.Api, username, AdminTestContext.Password);

        Assert.Equal(HttpStatusCode.OK, relogin.StatusCode);
        Assert.NotEqual(first.Cookie, second);
        Assert.NotEqual(second, elsewhere.Cookie);
        Assert.False(await first.Client(map.Api).IsAdminAsync());
        Assert.True(await new RawSession(second, "").Client(map.Api).IsAdminAsync());
        Assert.True(await elsewhere.Client(map.Api).IsAdminAsync());
        Assert.Equal(2L, await map.SessionCountAsync(id));
    }

    [Fact]
    public async Task Signing_in_as_another_account_on_the_same_browser_switches_account_and_csrf_token()
    {
        var (_, _, first) = await SignInRawAsync("viewer", AdminRole.Viewer);
        var second = AdminTestContext.Unique("super");
        await map.CreateAdminAsync(second, AdminRole.Superadmin, AdminTestContext.Password);

        var login = await first.Client(map.Api).PostAsJsonAsync("/login", new { username = second, password = AdminTestContext.Password });
        var cookie = login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("map_session=", StringComparison.Ordinal)).Split(';')[0];
        var now = new RawSession(cookie, (await login.JsonAsync()).GetProperty("csrf_token").GetString()!).Client(map.Api);
        var me = await (await now.GetAsync("/me")).JsonAsync();
        var write = await now.PostAsJsonAsync("/api/admin/users", new { username = AdminTestContext.Unique("by-new"), password = "a-good-password" });
        var withOldToken = new RawSession(cookie, first.CsrfToken).Client(map.Api);

        Assert.Equal(second, me.GetProperty("username").GetString());
        Assert.Equal("superadmin", me.GetProperty("role").GetString());
        Assert.Equal(HttpStatusCode.Created, write.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await withOldToken.PostAsync("/logout", null)).StatusCode);
    }

    [Fact]
    public async Task Deactivation_ends_live_sessions_and_reactivation_does_not_revive_them()
    {
        var root = await map.Api.LoginAsync();
        var (id, _, session) = await SignInRawAsync("deact", AdminRole.Editor);
        var live = session.Client(map.Api);
        Assert.True(await live.IsAdminAsync());

        await root.Http.PatchAsJsonAsync($"/api/admin/users/{id}", new { is_active = false });
        var whileInactive = await live.GetAsync("/me");
        await root.Http.PatchAsJsonAsync($"/api/admin/users/{id}", new { is_active = true });

        Assert.False((await whileInactive.JsonAsync()).GetProperty("is_admin").GetBoolean());
        Assert.Equal(0L, await map.SessionCountAsync(id));
        Assert.False(await live.IsAdminAsync());
    }

    [Fact]
    public async Task An_account_deactivated_behind_the_api_loses_access_on_its_next_request()
    {
        var (id, _, session) = await SignInRawAsync("sql", AdminRole.Superadmin);
        var live = session.Client(map.Api);

        await map.ExecuteAsync("UPDATE admin.admin_users SET is_active = false WHERE id = $1", id);

        Assert.Equal(HttpStatusCode.Forbidden, (await live.GetAsync("/api/admin/users")).StatusCode);
    }

    [Fact]
    public async Task Deletion_ends_live_sessions()
    {
        var root = await map.Api.LoginAsync();
        var (id, _, session) = await SignInRawAsync("gone", AdminRole.Superadmin);
        var live = session.Client(map.Api);
        Assert.Equal(HttpStatusCode.OK, (await live.GetAsync("/api/audit")).StatusCode);

        var deleted = await root.Http.DeleteAsync($"/api/admin/users/{id}");

        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await live.GetAsync("/api/audit")).StatusCode);
        Assert.Equal(0L, await map.SessionCountAsync(id));
    }

    [Fact]
    public async Task A_role_change_applies_on_the_next_request_of_a_live_session()
    {
        var root = await map.Api.LoginAsync();
        var (id, _, session) = await SignInRawAsync("rank", AdminRole.Viewer);
        var live = session.Client(map.Api);
        var before = await live.GetAsync("/api/admin/users");

        await root.Http.PatchAsJsonAsync($"/api/admin/users/{id}", new { role = "superadmin" });
        var promoted = await live.GetAsync("/api/admin/users");
        var me = await (await live.GetAsync("/me")).JsonAsync();
        await root.Http.PatchAsJsonAsync($"/api/admin/users/{id}", new { role = "editor" });
        var demoted = await live.GetAsync("/api/admin/users");

        Assert.Equal(HttpStatusCode.Forbidden, before.StatusCode);
        Assert.Equal(HttpStatusCode.OK, promoted.StatusCode);
        Assert.Equal("superadmin", me.GetProperty("role").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, demoted.StatusCode);
    }

    [Fact]
    public async Task A_new_password_ends_the_accounts_other_sessions_but_not_the_one_that_set_it()
    {
        var root = await map.Api.LoginAsync();
        var (otherId, _, other) = await SignInRawAsync("reset", AdminRole.Editor);
        var (selfId, selfName, self) = await SignInRawAsync("myself", AdminRole.Superadmin);
        var selfElsewhere = await RawSession.LoginAsync(map.Api, selfName, AdminTestContext.Password);

        await root.Http.PatchAsJsonAsync($"/api/admin/users/{otherId}", new { password = "brand-new-password" });
        var own = await self.Client(map.Api).PatchAsJsonAsync($"/api/admin/users/{selfId}", new { password = "my-new-password-1" });

        Assert.False(await other.Client(map.Api).IsAdminAsync());
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.True(await self.Client(map.Api).IsAdminAsync());
        Assert.False(await selfElsewhere.Client(map.Api).IsAdminAsync());
        Assert.Equal(1L, await map.SessionCountAsync(selfId));
    }

    [Fact]
    public async Task The_env_superadmin_is_an_ordinary_account_without_a_role_bypass()
    {
        var (_, peer) = await map.SignInNewAsync("peer", AdminRole.Superadmin);
        var rootSession = await RawSession.LoginAsync(map.Api, MapTestContext.RootUsername, MapTestContext.RootPassword);
        var rootId = await map.ScalarAsync<int>("SELECT id FROM admin.admin_users WHERE username = $1", MapTestContext.RootUsername);

        var demote = await peer.Http.PatchAsJsonAsync($"/api/admin/users/{rootId}", new { role = "viewer" });
        var rootAfter = await rootSession.Client(map.Api).GetAsync("/api/admin/users");
        await peer.Http.PatchAsJsonAsync($"/api/admin/users/{rootId}", new { role = "superadmin" });

        Assert.Equal(HttpStatusCode.OK, demote.StatusCode);
        await rootAfter.AssertErrorAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Sessions_are_shared_by_every_instance()
    {
        var (_, _, session) = await SignInRawAsync("replica", AdminRole.Superadmin);
        var replica = map.StartInstance(new MapHostOptions { Settings = AdminTestContext.GenerousLogins });

        var elsewhere = await session.Client(replica).GetAsync("/api/admin/users");
        await session.Client(replica).PostAsync("/logout", null);

        Assert.Equal(HttpStatusCode.OK, elsewhere.StatusCode);
        Assert.False(await session.Client(map.Api).IsAdminAsync());
    }

    [Fact]
    public async Task Sessions_expire_after_their_lifetime_and_the_purge_job_removes_them()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var clocked = map.StartInstance(new MapHostOptions { Clock = clock, Settings = AdminTestContext.GenerousLogins });
        var username = AdminTestContext.Unique("expiry");
        var id = await map.CreateAdminAsync(username, AdminRole.Editor, AdminTestContext.Password);
        var session = await RawSession.LoginAsync(clocked, username, AdminTestContext.Password);

        clock.Advance(TimeSpan.FromHours(11.9));
        var beforeExpiry = await session.Client(clocked).IsAdminAsync();
        clock.Advance(TimeSpan.FromHours(0.2));
        var afterExpiry = await session.Client(clocked).IsAdminAsync();
        var rowsBeforePurge = await map.SessionCountAsync(id);
        await using (var scope = clocked.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<PurgeExpiredSessions>().RunAsync(CancellationToken.None);
        }

        Assert.True(beforeExpiry);
        Assert.False(afterExpiry);
        Assert.Equal(1L, rowsBeforePurge);
        Assert.Equal(0L, await map.SessionCountAsync(id));
    }
}
