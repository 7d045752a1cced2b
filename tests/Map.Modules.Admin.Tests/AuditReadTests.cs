using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Map.SharedKernel;

namespace Map.Modules.Admin.Tests;

/// <summary><c>GET /api/audit</c>: paging, filters, order and row shape. Bulk rows are inserted by SQL (this class never verifies the chain).</summary>
public sealed class AuditReadTests(AdminTestContext map) : IClassFixture<AdminTestContext>
{
    /// <summary>Inserts <paramref name="count"/> rows for <paramref name="action"/>, one second apart, oldest first.</summary>
    private Task InsertRowsAsync(string action, int count, string actor = "bulk") => map.ExecuteAsync(
        """
        INSERT INTO admin.admin_audit_log (ts, actor, role, ip, method, path, action, payload, prev_hash, row_hash)
        SELECT timestamptz '2030-01-01 00:00:00Z' + n * interval '1 second', $2, 'editor', '10.0.0.1', 'POST', '/x', $1,
               jsonb_build_object('n', n), '', ''
        FROM generate_series(1, $3) AS n
        """,
        action,
        actor,
        count);

    private async Task<(HttpResponseMessage Response, List<JsonElement> Rows)> GetAsync(string query)
    {
        var root = await map.Api.LoginAsync();
        var response = await root.Http.GetAsync("/api/audit" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (response, [.. (await response.JsonAsync()).EnumerateArray()]);
    }

    private static long Total(HttpResponseMessage response) => long.Parse(response.Headers.GetValues("X-Total-Count").Single(), System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("", 200, 510)]
    [InlineData("&limit=abc", 200, 510)]
    [InlineData("&limit=1000", 500, 510)]
    [InlineData("&limit=0", 1, 510)]
    [InlineData("&limit=-7", 1, 510)]
    [InlineData("&limit=50&offset=505", 5, 5)]
    [InlineData("&limit=3&offset=-1", 3, 510)]
    [InlineData("&limit=3&offset=abc", 3, 510)]
    [InlineData("&offset=9999", 0, 0)]
    public async Task Limit_and_offset_are_clamped_and_the_total_is_in_a_header(string paging, int expectedRows, int expectedFirstN)
    {
        var action = "bulk." + Guid.NewGuid().ToString("N")[..8];
        await InsertRowsAsync(action, 510);

        var (response, rows) = await GetAsync($"?action={action}{paging}");

        Assert.Equal(510, Total(response));
        Assert.Equal(expectedRows, rows.Count);
        if (rows.Count > 0)
        {
            Assert.Equal(expectedFirstN, rows[0].GetProperty("payload").GetProperty("n").GetInt32());
        }
    }

    [Fact]
    public async Task Rows_come_newest_first_then_by_id()
    {
        var action = "order." + Guid.NewGuid().ToString("N")[..8];
        await map.ExecuteAsync(
            """
            INSERT INTO admin.admin_audit_log (ts, actor, role, ip, method, path, action, payload, prev_hash, row_hash) VALUES
              ('2031-01-01T00:00:02Z', 'a', '', '', '', '', $1, '{"k":"late"}', '', ''),
              ('2031-01-01T00:00:01Z', 'a', '', '', '', '', $1, '{"k":"early"}', '', ''),
              ('2031-01-01T00:00:02Z', 'a', '', '', '', '', $1, '{"k":"late-second"}', '', '')
            """,
            action);

        var (_, rows) = await GetAsync($"?action={action}");

        Assert.Equal(["late-second", "late", "early"], rows.Select(r => r.GetProperty("payload").GetProperty("k").GetString()));
        Assert.Equal("2031-01-01T00:00:02Z", rows[0].GetProperty("ts").GetString());
    }

    [Fact]
    public async Task Action_and_actor_filters_match_exactly_and_blank_means_no_filter()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        await InsertRowsAsync($"f.{tag}", 2, actor: $"alice-{tag}");
        await InsertRowsAsync($"f.{tag}", 3, actor: $"bob-{tag}");
        await InsertRowsAsync($"f.{tag}.other", 4, actor: $"alice-{tag}");

        var (byAction, _) = await GetAsync($"?action=f.{tag}");
        var (byActor, _) = await GetAsync($"?actor=alice-{tag}");
        var (both, bothRows) = await GetAsync($"?action=f.{tag}&actor=alice-{tag}");
        var (prefix, _) = await GetAsync($"?action=f.&actor=alice-{tag}");
        var (blankAction, _) = await GetAsync($"?action=&actor=bob-{tag}");
        var (spacesActor, _) = await GetAsync($"?action=f.{tag}&actor=%20%20");

        Assert.Equal(5, Total(byAction));
        Assert.Equal(6, Total(byActor));
        Assert.Equal(2, Total(both));
        Assert.All(bothRows, r => Assert.Equal($"alice-{tag}", r.GetProperty("actor").GetString()));
        Assert.Equal(0, Total(prefix));
        Assert.Equal(3, Total(blankAction));
        Assert.Equal(5, Total(spacesActor));
    }

    [Theory]
    [InlineData("/api/audit")]
    [InlineData("/api/audit/")]
    public async Task A_user_change_reads_back_as_a_bare_array_row_without_chain_fields(string path)
    {
        var root = await map.Api.LoginAsync();
        var username = AdminTestContext.Unique("shown");
        await root.Http.PostAsJsonAsync("/api/admin/users", new { username, password = "a-good-password", role = "viewer", zones = new[] { 3 } });

        var response = await root.Http.GetAsync($"{path}?action=user.create&limit=500");
        var body = await response.JsonAsync();

        Assert.Equal(JsonValueKind.Array, body.ValueKind);
        var row = body.EnumerateArray().Single(r => r.GetProperty("payload").GetProperty("username").GetString() == username);
        Assert.Equal(
            ["id", "ts", "actor", "role", "ip", "method", "path", "action", "payload"],
            row.EnumerateObject().Select(p => p.Name));
        Assert.Equal(root.Username, row.GetProperty("actor").GetString());
        Assert.Equal("superadmin", row.GetProperty("role").GetString());
        Assert.Equal("127.0.0.1", row.GetProperty("ip").GetString());
        Assert.Equal("POST", row.GetProperty("method").GetString());
        Assert.Equal("/api/admin/users", row.GetProperty("path").GetString());
        HttpAssertions.AssertJsonEqual(
            $$"""{"id":{{row.GetProperty("payload").GetProperty("id").GetInt32()}},"username":"{{username}}","role":"viewer","zones":[3]}""",
            row.GetProperty("payload"));
        Assert.DoesNotContain("hash", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Logout_is_audited_with_the_account_that_left()
    {
        var (_, editor) = await map.SignInNewAsync("leaver", AdminRole.Editor);

        await editor.Http.PostAsync("/logout", null);
        var (_, rows) = await GetAsync($"?action=auth.logout&actor={editor.Username}");

        var row = Assert.Single(rows);
        Assert.Equal("editor", row.GetProperty("role").GetString());
        Assert.Equal("/logout", row.GetProperty("path").GetString());
    }
}
