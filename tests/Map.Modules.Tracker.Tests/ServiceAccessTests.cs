using System.Net;
using System.Net.Http.Json;

namespace Map.Modules.Tracker.Tests;

/// <summary>
/// Service access ("Служба", admin-platform spec §4.8) at <c>/api/service/access</c> and <c>/access</c>: the bot asks,
/// an editor decides; one row per Telegram id; guest → pending → officer/denied → guest; decisions audited with
/// actor and note; bad input gets the spec's 4xx body and writes nothing.
/// </summary>
public sealed class ServiceAccessTests(TrackerTestContext map) : IClassFixture<TrackerTestContext>
{
    private static string NewId() => Random.Shared.NextInt64(100_000_000, 999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<string> StatusOfAsync(HttpResponseMessage response)
    {
        var body = await TrackerApi.ExpectAsync(response, HttpStatusCode.OK);
        return body.GetProperty("status").GetString()!;
    }

    [Theory]
    [InlineData("/api/service/access")]
    [InlineData("/access")]
    public async Task Status_machine_is_enforced_and_decisions_are_audited(string prefix)
    {
        var bot = map.Tracker.CreateBot();
        var admin = await map.AdminAsync();
        var id = NewId();

        Assert.Equal("guest", await StatusOfAsync(await bot.GetAsync($"{prefix}/status?tg_user_id={id}")));
        Assert.Equal("pending", await StatusOfAsync(await bot.PostAsJsonAsync($"{prefix}/request", new { tg_user_id = id, note = "ППС-3" })));
        // The id may also come from the header.
        var viaHeader = new HttpRequestMessage(HttpMethod.Get, $"{prefix}/status");
        viaHeader.Headers.Add("X-Telegram-Id", id);
        Assert.Equal("pending", await StatusOfAsync(await bot.SendAsync(viaHeader)));

        var pending = await TrackerApi.ExpectAsync(await admin.Http.GetAsync($"{prefix}/admin/pending"), HttpStatusCode.OK);
        Assert.Contains(pending.GetProperty("items").EnumerateArray(), r => r.GetProperty("tg_user_id").GetString() == id);
        Assert.True((await TrackerApi.ExpectAsync(await admin.Http.GetAsync($"{prefix}/admin/pending_count"), HttpStatusCode.OK)).GetProperty("count").GetInt32() >= 1);

        var approved = await TrackerApi.ExpectAsync(await admin.Http.PostAsJsonAsync($"{prefix}/admin/approve", new { tg_user_id = id, note = "проверен" }), HttpStatusCode.OK);
        Assert.Equal("officer", approved.GetProperty("status").GetString());
        Assert.Equal(admin.Username, approved.GetProperty("decided_by").GetString());
        Assert.EndsWith("Z", approved.GetProperty("decided_at").GetString(), StringComparison.Ordinal);

        // An officer asking again stays officer; approving again is a conflict, not a second decision.
        Assert.Equal("officer", await StatusOfAsync(await bot.PostAsJsonAsync($"{prefix}/request", new { tg_user_id = id })));
        Assert.Equal("not_pending", (await TrackerApi.ExpectAsync(await admin.Http.PostAsJsonAsync($"{prefix}/admin/approve", new { tg_user_id = id }), HttpStatusCode.Conflict)).GetProperty("error").GetString());

        Assert.Equal("guest", (await TrackerApi.ExpectAsync(await admin.Http.PostAsJsonAsync($"{prefix}/admin/revoke", new { tg_user_id = id }), HttpStatusCode.OK)).GetProperty("status").GetString());
        Assert.Equal("pending", await StatusOfAsync(await bot.PostAsJsonAsync($"{prefix}/request", new { tg_user_id = id })));
        Assert.Equal("denied", (await TrackerApi.ExpectAsync(await admin.Http.PostAsJsonAsync($"{prefix}/admin/deny", new { tg_user_id = id, note = "нет" }), HttpStatusCode.OK)).GetProperty("status").GetString());
        // A denied user may ask again.
        Assert.Equal("pending", await StatusOfAsync(await bot.PostAsJsonAsync($"{prefix}/request", new { tg_user_id = id })));

        var users = await TrackerApi.ExpectAsync(await admin.Http.GetAsync($"{prefix}/admin/users"), HttpStatusCode.OK);
        Assert.Single(users.GetProperty("items").EnumerateArray(), r => r.GetProperty("tg_user_id").GetString() == id);
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM tracker.service_access WHERE tg_user_id = $1", id));
        Assert.Equal(1, await map.CountAsync(
            "SELECT count(*) FROM admin.admin_audit_log WHERE action = 'service_access.approve' AND actor = $1 AND payload->>'tg_user_id' = $2 AND payload->>'note' = 'проверен'",
            admin.Username, id));
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM admin.admin_audit_log WHERE action = 'service_access.deny' AND payload->>'tg_user_id' = $1", id));
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM admin.admin_audit_log WHERE action = 'service_access.revoke' AND payload->>'tg_user_id' = $1", id));
    }

    [Fact]
    public async Task Concurrent_first_requests_make_one_row()
    {
        var id = NewId();
        var bot = map.Tracker.CreateBot();
        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => bot.PostAsJsonAsync("/api/service/access/request", new { tg_user_id = id })));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM tracker.service_access WHERE tg_user_id = $1", id));
    }

    [Fact]
    public async Task Bad_input_gets_the_spec_error_and_writes_nothing()
    {
        var bot = map.Tracker.CreateBot();
        var admin = await map.AdminAsync();
        var before = await map.CountAsync("SELECT count(*) FROM tracker.service_access");
        var audits = await map.CountAsync("SELECT count(*) FROM admin.admin_audit_log WHERE action LIKE 'service_access.%'");

        async Task ExpectError(HttpResponseMessage response, HttpStatusCode status, string error) =>
            Assert.Equal(error, (await TrackerApi.ExpectAsync(response, status)).GetProperty("error").GetString());

        await ExpectError(await bot.PostAsJsonAsync("/api/service/access/request", new { note = "x" }), HttpStatusCode.BadRequest, "missing_tg_user_id");
        await ExpectError(await bot.PostAsJsonAsync("/api/service/access/request", new { tg_user_id = "   " }), HttpStatusCode.BadRequest, "missing_tg_user_id");
        await ExpectError(await bot.GetAsync("/api/service/access/status"), HttpStatusCode.BadRequest, "missing_tg_user_id");
        await ExpectError(await bot.PostAsJsonAsync("/api/service/access/request", new { tg_user_id = new string('7', 65) }), HttpStatusCode.BadRequest, "invalid_tg_user_id");
        await ExpectError(await bot.PostAsJsonAsync("/api/service/access/request", new { tg_user_id = NewId(), note = new string('n', 257) }), HttpStatusCode.BadRequest, "note_too_long");
        await ExpectError(await admin.Http.PostAsJsonAsync("/api/service/access/admin/approve", new { }), HttpStatusCode.BadRequest, "missing_tg_user_id");
        // Approving an id that never asked: 404, and no row is created.
        var stranger = NewId();
        await ExpectError(await admin.Http.PostAsJsonAsync("/api/service/access/admin/approve", new { tg_user_id = stranger }), HttpStatusCode.NotFound, "no_request");
        await ExpectError(await admin.Http.PostAsJsonAsync("/access/admin/deny", new { tg_user_id = stranger }), HttpStatusCode.NotFound, "no_request");

        // Without the bot key, or as the bot on an editor route: refused.
        Assert.Equal(HttpStatusCode.Forbidden, (await map.Tracker.CreateClient().PostAsJsonAsync("/api/service/access/request", new { tg_user_id = NewId() })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await bot.PostAsJsonAsync("/api/service/access/admin/approve", new { tg_user_id = stranger })).StatusCode);

        Assert.Equal(before, await map.CountAsync("SELECT count(*) FROM tracker.service_access"));
        Assert.Equal(audits, await map.CountAsync("SELECT count(*) FROM admin.admin_audit_log WHERE action LIKE 'service_access.%'"));
    }
}
