using System.Net;
using System.Net.Http.Json;
using Map.Modules.Admin.Data;
using Map.Modules.Admin.Domain;
using Map.SharedKernel;
using Map.Testing;

namespace Map.Modules.Admin.Tests;

/// <summary>The account rules as domain rules, and the last-superadmin rule under a real race.</summary>
public sealed class AccountRulesTests
{
    private const int Self = 0; // AdminUser.Create leaves Id 0 until saved
    private const int Someone = 42;

    private static AdminUser User(AdminRole role, bool active = true)
    {
        var user = AdminUser.Create("someone", "hash", role, DateTime.UnixEpoch);
        user.SetActive(active);
        return user;
    }

    [Theory]
    [InlineData(AdminRole.Superadmin, AdminRole.Editor, true, false, "you cannot demote your own account")]
    [InlineData(AdminRole.Editor, AdminRole.Viewer, true, false, "you cannot demote your own account")]
    [InlineData(AdminRole.Superadmin, AdminRole.Superadmin, false, false, "you cannot deactivate your own account")]
    [InlineData(AdminRole.Viewer, AdminRole.Viewer, true, true, "you cannot delete your own account")]
    [InlineData(AdminRole.Superadmin, AdminRole.Superadmin, true, false, null)]
    public void Nobody_removes_or_lowers_themself(AdminRole current, AdminRole next, bool active, bool delete, string? refusal) =>
        Assert.Equal(refusal, User(current).RefusalOf(new AccountChange(next, active, delete), Self, otherActiveSuperadmins: 5));

    [Theory]
    [InlineData(AdminRole.Editor, true, false)]
    [InlineData(AdminRole.Superadmin, false, false)]
    [InlineData(AdminRole.Superadmin, true, true)]
    public void The_last_active_superadmin_stays_one(AdminRole next, bool active, bool delete)
    {
        var last = User(AdminRole.Superadmin);

        Assert.Equal("the last active superadmin cannot be deleted, deactivated or demoted", last.RefusalOf(new AccountChange(next, active, delete), Someone, 0));
        Assert.Null(last.RefusalOf(new AccountChange(next, active, delete), Someone, 1));
    }

    [Fact]
    public void Inactive_superadmins_and_other_roles_are_not_protected()
    {
        Assert.Null(User(AdminRole.Superadmin, active: false).RefusalOf(new AccountChange(AdminRole.Viewer, false, true), Someone, 0));
        Assert.Null(User(AdminRole.Editor).RefusalOf(new AccountChange(AdminRole.Viewer, false), Someone, 0));
    }

    [Theory]
    [InlineData("abc", true)]
    [InlineData("ops.duty_1@map-team", true)]
    [InlineData("ab", false)]
    [InlineData("with space", false)]
    [InlineData("percent%", false)]
    [InlineData("back\\slash", false)]
    [InlineData("оператор", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Usernames_come_from_a_safe_set(string? username, bool valid) =>
        Assert.Equal(valid, AdminUser.IsValidUsername(username));

    [Fact]
    public void Usernames_are_at_most_64_characters() =>
        Assert.Equal([true, false], new[] { new string('a', 64), new string('a', 65) }.Select(AdminUser.IsValidUsername));

    [Fact]
    public async Task Two_superadmins_demoting_each_other_at_once_leave_exactly_one()
    {
        var map = new AdminTestContext();
        await map.InitializeAsync();
        try
        {
            var aId = await map.CreateAdminAsync("sa-a", AdminRole.Superadmin, AdminTestContext.Password);
            var bId = await map.CreateAdminAsync("sa-b", AdminRole.Superadmin, AdminTestContext.Password);
            var a = await map.Api.LoginAsync("sa-a", AdminTestContext.Password);
            var b = await map.Api.LoginAsync("sa-b", AdminTestContext.Password);
            var rootId = await map.ScalarAsync<int>("SELECT id FROM admin.admin_users WHERE username = $1", MapTestContext.RootUsername);
            Assert.Equal(HttpStatusCode.OK, (await a.Http.PatchAsJsonAsync($"/api/admin/users/{rootId}", new { is_active = false })).StatusCode);

            // Hold the roster lock so both requests are authorised and waiting before either may look at the roster.
            await using var holder = await map.Db.OpenConnectionAsync();
            await using var transaction = await holder.BeginTransactionAsync();
            await using (var take = new Npgsql.NpgsqlCommand($"SELECT pg_advisory_xact_lock({RosterLock.Key})", holder, transaction))
            {
                await take.ExecuteNonQueryAsync();
            }

            var aDemotesB = a.Http.PatchAsJsonAsync($"/api/admin/users/{bId}", new { role = "editor" });
            var bDemotesA = b.Http.PatchAsJsonAsync($"/api/admin/users/{aId}", new { role = "editor" });
            Assert.True(await Eventually.TrueAsync(async () => await map.ScalarAsync<long>(
                "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database()") == 2));
            await transaction.CommitAsync();
            var responses = await Task.WhenAll(aDemotesB, bDemotesA);

            Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
            var refused = Assert.Single(responses, r => r.StatusCode != HttpStatusCode.OK);
            await refused.AssertErrorAsync(HttpStatusCode.Conflict, "the last active superadmin cannot be deleted, deactivated or demoted");
            Assert.Equal(1L, await map.ScalarAsync<long>("SELECT count(*) FROM admin.admin_users WHERE role = 'superadmin' AND is_active"));
        }
        finally
        {
            await map.DisposeAsync();
        }
    }
}
