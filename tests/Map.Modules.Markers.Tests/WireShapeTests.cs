using System.Net.Http.Headers;
using System.Text;
using Map.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Map.Modules.Markers.Tests;

/// <summary>
/// Snapshots of every response shape the bot, the Mini App and the web UI read, in one sequential story on a database
/// of its own and a fixed clock (so ids and timestamps are stable).
/// </summary>
public sealed class WireShapeTests(MarkersContext map) : IClassFixture<MarkersContext>
{
    [Fact]
    public async Task Every_response_shape_matches_its_snapshot()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2030, 11, 26, 10, 28, 0, 123, TimeSpan.Zero));
        var app = map.StartMarkers(new MapHostOptions { Clock = clock });
        var root = await app.LoginAsync();
        var bot = app.CreateBot();
        await using var socket = await app.ConnectRealtimeAsync(root);

        var (_, zoneCreated) = await root.Http.PostJsonAsync("/zones", new
        {
            description = "Центр",
            color = "#3388ff",
            icon = "beer",
            geometry = new { latlngs = new[] { new { lat = 53.0, lng = 27.0 }, new { lat = 53.0, lng = 28.0 }, new { lat = 54.0, lng = 28.0 }, new { lat = 54.0, lng = 27.0 } } },
        });
        Snap.Match(zoneCreated, "zone_create");
        Snap.Match((await root.Http.GetJsonAsync("/zones")).Body, "zone_list");

        var submission = new
        {
            name = "Камера у подъезда",
            lat = 53.9,
            lon = 27.56,
            notes = "вход со двора",
            user_id = 100500,
            message_id = 7,
            reporter = new { surname = "Иванов" },
            photo = "https://t.me/photo.jpg",
        };
        Snap.Match((await bot.PostJsonAsync("/api/bot/markers", submission)).Body, "bot_created");
        Snap.Match((await bot.PostJsonAsync("/api/bot/markers", submission)).Body, "bot_existing");
        Snap.Match((await bot.PostJsonAsync("/api/bot/markers", new { name = "Рядом", lat = 53.9001, lon = 27.5601 })).Body, "bot_duplicate");
        Snap.Match((await bot.GetJsonAsync("/api/bot/markers/1")).Body, "bot_status_pending");
        Snap.Match((await socket.WaitForEventAsync("pending_created"))!.Value, "event_pending_created");

        Snap.Match((await root.Http.GetJsonAsync("/api/pending")).Body, "pending_list");
        Snap.Match((await root.Http.GetJsonAsync("/api/pending/count")).Body, "pending_count");
        Snap.Match((await root.Http.GetJsonAsync("/api/requests/pending")).Body, "requests_list");
        Snap.Match((await root.Http.GetJsonAsync("/api/requests/1")).Body, "request_detail");

        Snap.Match((await root.Http.PostJsonAsync("/api/pending/1/approve")).Body, "approve");
        Snap.Match((await socket.WaitForEventAsync("pending_approved"))!.Value, "event_pending_approved");
        Snap.Match((await socket.WaitForEventAsync("MARKER_APPROVED"))!.Value, "event_marker_approved");
        Snap.Match((await socket.WaitForEventAsync("address_created"))!.Value, "event_address_created");
        Snap.Match((await bot.GetJsonAsync("/api/bot/marker/1")).Body, "bot_status_approved");
        Snap.Match((await bot.PostJsonAsync("/api/bot/markers/1/cancel")).Body, "bot_cancel_approved");

        var second = (await bot.PostJsonAsync("/api/bot/markers?force=1", new { name = "Второй", lat = 53.8, lon = 27.4, user_id = "100500", message_id = "8" })).Body.Int("pending");
        Snap.Match((await root.Http.PostJsonAsync($"/api/pending/{second}/reject", new { reason = "нет камеры" })).Body, "reject");
        Snap.Match((await socket.WaitForEventAsync("pending_rejected"))!.Value, "event_pending_rejected");
        Snap.Match((await socket.WaitForEventAsync("MARKER_REJECTED"))!.Value, "event_marker_rejected");
        var third = (await bot.PostJsonAsync("/api/bot/markers?force=1", new { name = "Третий", lat = 53.7, lon = 27.3, user_id = "100500", message_id = "9" })).Body.Int("pending");
        Snap.Match((await bot.PostJsonAsync($"/api/bot/markers/{third}/cancel?user_id=100500")).Body, "bot_cancel");
        Snap.Match((await socket.WaitForEventAsync("pending_cancelled"))!.Value, "event_pending_cancelled");
        Snap.Match((await bot.GetJsonAsync("/api/bot/my-requests/100500")).Body, "bot_my_requests");
        Snap.Match((await root.Http.PostJsonAsync("/api/pending/clear")).Body, "clear");
        Snap.Match((await socket.WaitForEventAsync("pending_cleared"))!.Value, "event_pending_cleared");

        Snap.Match((await root.Http.PutJsonAsync("/api/addresses/1", new { notes = "обновлено" })).Body, "address_update");
        Snap.Match((await socket.WaitForEventAsync("address_updated"))!.Value, "event_address_updated");
        Snap.Match((await root.Http.PostJsonAsync("/api/addresses:batchDelete", new { ids = new[] { 999 } })).Body, "address_batch_delete");
        Snap.Match((await root.Http.DeleteJsonAsync("/api/addresses/1")).Body, "address_delete");
        Snap.Match((await socket.WaitForEventAsync("address_deleted"))!.Value, "event_address_deleted");

        var csv = new ByteArrayContent(Encoding.UTF8.GetBytes("name,lat,lon\nImported,1,1\n,2,2\n"));
        csv.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        Snap.Match((await root.Http.PostJsonAsync("/api/import", new MultipartFormDataContent { { csv, "file", "a.csv" } })).Body, "import_report");

        map.WriteOfflineGeocode("""[{"display_name":"Минск, площадь Победы","lat":"53.9086","lon":27.5751}]""");
        Snap.Match((await root.Http.GetJsonAsync("/api/geocode?q=победы")).Body, "geocode");
        Snap.Match((await root.Http.GetJsonAsync("/api/offline/geocode/entries")).Body, "offline_entries");

        var initData = MarkersContext.SignInitData("""{"id":12345,"username":"miniuser","last_name":"Иванов"}""", clock.GetUtcNow().AddMinutes(-1));
        Snap.Match((await app.CreateBrowser().PostJsonAsync("/api/bot/webapp_submit", new { initData, coords = new { lat = 53.5, lon = 27.5 }, category = "Охрана" })).Body, "webapp_submit");
        Snap.Match((await bot.PostJsonAsync("/api/bot/markers", new { name = "Nowhere", lat = 999 })).Body, "bot_geocoding_failed");
    }
}
