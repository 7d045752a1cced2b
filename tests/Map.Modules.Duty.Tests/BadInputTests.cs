using System.Net;
using Map.Testing;

namespace Map.Modules.Duty.Tests;

/// <summary>Bad input of duty spec §8/§9: a clear 400/404 in the legacy body, and nothing stored.</summary>
public sealed class BadInputTests(DutyTestContext map) : IClassFixture<DutyTestContext>
{
    private const string User = "555000111";

    private MapInstance? app;

    private MapInstance App => app ??= map.StartInstance(new MapHostOptions { Settings = DutyTestContext.Relaxed });

    [Theory]
    [InlineData("shift/start", "[{\"user_id\":\"555000111\"}]", "user_id required")]
    [InlineData("shift/start", "{}", "user_id required")]
    [InlineData("shift/start", "not json", "user_id required")]
    [InlineData("checkin", "{\"user_id\":0}", "user_id required")]
    [InlineData("checkin", "{\"user_id\":\"0\"}", "user_id required")]
    [InlineData("checkin", "{\"user_id\":null}", "user_id required")]
    [InlineData("checkin", "{\"user_id\":\"123456789012345678901234567890123\"}", "user_id is too long (at most 32 characters)")]
    [InlineData("checkin", "{\"user_id\":\"555000111\",\"lat\":\"53.9\",\"lon\":27.5}", "lat/lon must be numbers")]
    [InlineData("checkin", "{\"user_id\":\"555000111\",\"lat\":53.9}", "lat/lon required")]
    [InlineData("live_location", "{\"user_id\":\"555000111\",\"lat\":53.9}", "lat/lon required")]
    [InlineData("live_location", "{\"user_id\":\"555000111\",\"lat\":\"abc\",\"lon\":27.5}", "lat/lon must be numbers")]
    [InlineData("live_location", "{\"user_id\":\"555000111\",\"lat\":\"NaN\",\"lon\":27.5}", "lat/lon must be numbers")]
    [InlineData("live_location", "{\"user_id\":\"555000111\",\"lat\":\"\",\"lon\":27.5}", "lat/lon must be numbers")]
    [InlineData("live_location", "{\"user_id\":\"555000111\",\"lat\":91,\"lon\":27.5}", "lat/lon out of range")]
    [InlineData("live_location", "{\"user_id\":\"555000111\",\"lat\":53.9,\"lon\":-180.5}", "lat/lon out of range")]
    [InlineData("live_location", "{\"user_id\":\"555000111\",\"lat\":53.9,\"lon\":27.5,\"message_id\":\"x\",\"is_live\":true}", "message_id must be an integer")]
    [InlineData("live_location", "{\"user_id\":\"555000111\",\"lat\":53.9,\"lon\":27.5,\"is_live\":\"false\"}", "is_live must be true or false")]
    [InlineData("sos", "{\"user_id\":\"555000111\",\"lat\":\"x\",\"lon\":1}", "lat/lon must be numbers")]
    [InlineData("sos", "{\"user_id\":\"555000111\",\"lon\":1}", "lat/lon required")]
    [InlineData("sos", "{\"user_id\":\"555000111\",\"lat\":1,\"lon\":1,\"session_id\":\"x\"}", "session_id must be an integer")]
    [InlineData("tracking/stop", "{\"user_id\":\"555000111\",\"session_id\":\"x\"}", "session_id must be an integer")]
    [InlineData("break/request", "{\"user_id\":\"555000111\",\"duration_min\":\"abc\"}", "duration_min must be an integer")]
    [InlineData("break/request", "{\"user_id\":\"555000111\",\"duration_min\":[5]}", "duration_min must be an integer")]
    [InlineData("shift/set_unit", "{\"user_id\":\"555000111\"}", "user_id and unit_label required")]
    [InlineData("shift/set_unit", "{\"unit_label\":\"П-1\"}", "user_id and unit_label required")]
    public async Task Bad_bot_input_is_400_and_stores_nothing(string action, string body, string error)
    {
        await DutyApi.ExpectErrorAsync(await App.CreateBot().PostRawAsync("/api/duty/bot/" + action, body), HttpStatusCode.BadRequest, error);
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM duty.duty_shifts WHERE user_id = $1", User));
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM duty.duty_events WHERE user_id = $1", User));
        Assert.Equal(0, await map.CountAsync("SELECT count(*) FROM tracker.tracking_points WHERE user_id = $1", User));
    }

    [Theory]
    [InlineData("{\"ids\":[1,\"x\"]}", "ids must be a list of notification ids")]
    [InlineData("{\"ids\":[1,null]}", "ids must be a list of notification ids")]
    [InlineData("{\"ids\":[1.5]}", "ids must be a list of notification ids")]
    [InlineData("{\"ids\":[{\"id\":1}]}", "ids must be a list of notification ids")]
    [InlineData("{\"ids\":\"5\"}", "ids must be a list of notification ids")]
    [InlineData("{\"ids\":[]}", "ids required")]
    [InlineData("{}", "ids required")]
    public async Task Bad_ack_lists_are_400_and_ack_nothing(string body, string error)
    {
        var user = "777" + Math.Abs(body.GetHashCode(StringComparison.Ordinal) % 100_000);
        await map.ExecuteAsync("INSERT INTO duty.duty_notifications (user_id, created_at, kind, text, acked) VALUES ($1, now(), 'sos_acked', 't', false)", user);
        await DutyApi.ExpectErrorAsync(await App.CreateBot().PostRawAsync($"/api/duty/{user}/ack", body), HttpStatusCode.BadRequest, error);
        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM duty.duty_notifications WHERE user_id = $1 AND NOT acked", user));
    }

    [Theory]
    [InlineData("/api/duty/admin/sos/999999/ack")]
    [InlineData("/api/duty/admin/sos/999999/close")]
    [InlineData("/api/duty/admin/breaks/999999/approve")]
    [InlineData("/api/duty/admin/breaks/999999/end")]
    public async Task Unknown_ids_are_404(string path)
    {
        var admin = await App.LoginAsync();
        await DutyApi.ExpectErrorAsync(await admin.Http.PostJsonAsync(path, new { }), HttpStatusCode.NotFound, "not found");
    }

    [Theory]
    [InlineData("/api/duty/admin/shift/999999/detail")]
    [InlineData("/api/duty/admin/tracking/999999")]
    public async Task Unknown_reads_are_404(string path)
    {
        var admin = await App.LoginAsync();
        await DutyApi.ExpectErrorAsync(await admin.Http.GetAsync(path), HttpStatusCode.NotFound, "not found");
        Assert.Equal(HttpStatusCode.NotFound, (await admin.Http.GetAsync("/api/duty/admin/tracking/abc")).StatusCode);
    }
}
