using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Map.Testing;

namespace Map.Modules.Admin.Tests;

/// <summary><c>GET /api/audit/verify</c>. Each test owns its database, since tampering breaks the chain for everyone after.</summary>
public sealed class AuditChainTests
{
    private static async Task WithFreshDatabaseAsync(Func<AdminTestContext, Task> test)
    {
        var context = new AdminTestContext();
        await context.InitializeAsync();
        try
        {
            await test(context);
        }
        finally
        {
            await context.DisposeAsync();
        }
    }

    private static async Task<JsonElement> VerifyAsync(AdminTestContext map)
    {
        var root = await map.Api.LoginAsync();
        var response = await root.Http.GetAsync("/api/audit/verify");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.JsonAsync();
    }

    /// <summary>Some ordinary activity: logins, a failed one, user changes with nested payloads, a logout.</summary>
    private static async Task ActAsync(AdminTestContext map)
    {
        var root = await map.Api.LoginAsync();
        var created = await (await root.Http.PostAsJsonAsync("/api/admin/users", new { username = "chain-user", password = "a-good-password", zones = new[] { 2, 1 } })).JsonAsync();
        var id = created.GetProperty("id").GetInt32();
        await root.Http.PatchAsJsonAsync($"/api/admin/users/{id}", new { role = "viewer", zones = new[] { 5 }, is_active = false });
        await map.Api.CreateBrowser().PostAsJsonAsync("/login", new { username = "chain-user", password = "wrong-password-1" });
        await root.Http.DeleteAsync($"/api/admin/users/{id}");
        await root.Http.PostAsync("/logout", null);
    }

    [Fact]
    public Task An_untouched_log_verifies_and_counts_every_row() => WithFreshDatabaseAsync(async map =>
    {
        await ActAsync(map);

        var result = await VerifyAsync(map);
        var rows = await map.ScalarAsync<long>("SELECT count(*) FROM admin.admin_audit_log");

        HttpAssertions.AssertJsonEqual($$"""{"ok":true,"rows":{{rows}}}""", result);
    });

    [Theory]
    [InlineData("UPDATE admin.admin_audit_log SET payload = payload || '{\"role\":\"superadmin\"}' WHERE id = $1")]
    [InlineData("UPDATE admin.admin_audit_log SET actor = 'someone-else' WHERE id = $1")]
    [InlineData("UPDATE admin.admin_audit_log SET ts = ts + interval '1 microsecond' WHERE id = $1")]
    [InlineData("UPDATE admin.admin_audit_log SET ip = '' WHERE id = $1")]
    public Task A_row_changed_behind_the_api_is_reported_as_the_first_broken_one(string tamper) => WithFreshDatabaseAsync(async map =>
    {
        await ActAsync(map);
        var target = await map.ScalarAsync<long>("SELECT id FROM admin.admin_audit_log WHERE action = 'user.update'");
        var before = await map.ScalarAsync<long>("SELECT count(*) FROM admin.admin_audit_log WHERE id < $1", target);

        await map.ExecuteAsync(tamper, target);
        var result = await VerifyAsync(map);

        HttpAssertions.AssertJsonEqual($$"""{"ok":false,"rows":{{before}},"first_broken_id":{{target}}}""", result);
    });

    [Fact]
    public Task A_row_deleted_from_the_middle_breaks_the_link_of_the_next_one() => WithFreshDatabaseAsync(async map =>
    {
        await ActAsync(map);
        var target = await map.ScalarAsync<long>("SELECT id FROM admin.admin_audit_log WHERE action = 'user.update'");
        var next = await map.ScalarAsync<long>("SELECT min(id) FROM admin.admin_audit_log WHERE id > $1", target);

        await map.ExecuteAsync("DELETE FROM admin.admin_audit_log WHERE id = $1", target);
        var result = await VerifyAsync(map);

        Assert.False(result.GetProperty("ok").GetBoolean());
        Assert.Equal(next, result.GetProperty("first_broken_id").GetInt64());
    });

    [Fact]
    public Task A_row_rewritten_with_a_recomputed_own_hash_still_breaks_the_next_link() => WithFreshDatabaseAsync(async map =>
    {
        await ActAsync(map);
        var target = await map.ScalarAsync<long>("SELECT id FROM admin.admin_audit_log WHERE action = 'user.update'");
        var next = await map.ScalarAsync<long>("SELECT min(id) FROM admin.admin_audit_log WHERE id > $1", target);

        // A forger who knows the scheme can rehash the row they changed, but not every row after it.
        await map.ExecuteAsync("UPDATE admin.admin_audit_log SET row_hash = repeat('a', 64) WHERE id = $1", target);
        var result = await VerifyAsync(map);

        Assert.Equal(target, result.GetProperty("first_broken_id").GetInt64());
        Assert.NotEqual(next, target);
    });

    [Fact]
    public Task Concurrent_writers_on_two_instances_keep_one_linear_chain() => WithFreshDatabaseAsync(async map =>
    {
        var replica = map.StartInstance(new MapHostOptions { Settings = AdminTestContext.GenerousLogins });
        var instances = new[] { map.Api, replica };
        var roots = await Task.WhenAll(instances.Select(i => i.LoginAsync()));
        var before = await map.ScalarAsync<long>("SELECT count(*) FROM admin.admin_audit_log");

        var work = Enumerable.Range(0, 48).Select(async n =>
        {
            var instance = instances[n % 2];
            var response = (n % 3) switch
            {
                0 => await instance.CreateBrowser().PostAsJsonAsync("/login", new { username = MapTestContext.RootUsername, password = MapTestContext.RootPassword }),
                1 => await instance.CreateBrowser().PostAsJsonAsync("/login", new { username = MapTestContext.RootUsername, password = "wrong-password-" + n }),
                _ => await roots[n % 2].Http.PostAsJsonAsync("/api/admin/users", new { username = $"parallel-{n}", password = "a-good-password", zones = new[] { n } }),
            };
            return response.StatusCode;
        });
        var codes = await Task.WhenAll(work);

        Assert.True(codes.Count(c => c == HttpStatusCode.Created) == 16, "codes: " + string.Join(",", codes));
        Assert.True(codes.Count(c => c == HttpStatusCode.Unauthorized) == 16, "codes: " + string.Join(",", codes));
        Assert.Equal(before + 48, await map.ScalarAsync<long>("SELECT count(*) FROM admin.admin_audit_log"));
        Assert.Equal(
            await map.ScalarAsync<long>("SELECT count(*) FROM admin.admin_audit_log"),
            await map.ScalarAsync<long>("SELECT count(DISTINCT prev_hash) FROM admin.admin_audit_log"));
        var result = await VerifyAsync(map);
        Assert.True(result.GetProperty("ok").GetBoolean(), result.GetRawText());
        Assert.Equal(before + 49, result.GetProperty("rows").GetInt64());
    });
}
