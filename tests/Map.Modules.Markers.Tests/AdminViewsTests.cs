using System.Net;
using Map.SharedKernel;
using Map.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Map.Modules.Markers.Tests;

/// <summary>The bot's admin views (#34–#37) on a database of their own, with a fixed clock for the snapshots.</summary>
public sealed class AdminViewsTests(MarkersContext map) : IClassFixture<MarkersContext>
{
    private static readonly FakeTimeProvider Clock = new(new DateTimeOffset(2030, 11, 26, 10, 28, 0, TimeSpan.Zero));

    private MapInstance? app;

    private MapInstance App => app ??= map.StartMarkers(new MapHostOptions { Clock = Clock });

    private async Task<(int Pending, int Approved, int Rejected, int Address)> SeedAsync()
    {
        if (await map.ScalarAsync<long>("SELECT count(*) FROM markers.pending_markers") > 0)
        {
            return (
                await map.ScalarAsync<int>("SELECT id FROM markers.pending_markers WHERE state = 'pending'"),
                await map.ScalarAsync<int>("SELECT id FROM markers.pending_markers WHERE state = 'approved'"),
                await map.ScalarAsync<int>("SELECT id FROM markers.pending_markers WHERE state = 'rejected'"),
                (int)await map.ScalarAsync<long>("SELECT address_id FROM markers.pending_markers WHERE state = 'approved'"));
        }

        var root = await App.LoginAsync();
        var bot = App.CreateBot();
        async Task<int> Submit(string name, double lat) =>
            (await bot.PostJsonAsync("/api/bot/markers", new { name, lat, lon = 27.5, user_id = "42", message_id = name, reporter = new { surname = "Иванов" } })).Body.Int("pending");
        var approved = await Submit("Approved point", 53.1);
        var rejected = await Submit("Rejected point", 53.2);
        var pending = await Submit("Pending point", 53.3);
        var address = (await root.Http.PostJsonAsync($"/api/pending/{approved}/approve")).Body.Int("id");
        await root.Http.PostJsonAsync($"/api/pending/{rejected}/reject", new { reason = "duplicate" });
        return (pending, approved, rejected, address);
    }

    [Fact]
    public async Task The_bot_key_or_a_viewer_session_is_required()
    {
        await SeedAsync();
        await map.CreateAdminAsync("views-viewer", AdminRole.Viewer);
        var viewer = await App.LoginAsync("views-viewer", "password-1234");

        var anonymous = await App.CreateBrowser().GetJsonAsync("/api/admin/summary");
        var anonymousAlias = await App.CreateBrowser().GetJsonAsync("/admin/applications");
        var bot = await App.CreateBot().GetJsonAsync("/admin/summary");
        var session = await viewer.Http.GetJsonAsync("/api/admin/summary");

        Assert.Equal((HttpStatusCode.Forbidden, "forbidden"), (anonymous.Status, anonymous.Body.Error()));
        Assert.Equal(HttpStatusCode.Forbidden, anonymousAlias.Status);
        Assert.Equal(HttpStatusCode.OK, bot.Status);
        Assert.Equal(bot.Body.GetRawText(), session.Body.GetRawText());
    }

    [Fact]
    public async Task Views_answer_in_the_legacy_shapes()
    {
        var (pending, approved, rejected, address) = await SeedAsync();
        var bot = App.CreateBot();

        var (_, summary) = await bot.GetJsonAsync("/api/admin/summary");
        var (_, addresses) = await bot.GetJsonAsync("/api/admin/addresses?page=1&limit=10");
        var (_, queued) = await bot.GetJsonAsync("/api/admin/applications?status=pending&limit=10");
        var (_, approvedList) = await bot.GetJsonAsync("/admin/applications?status=approved");
        var (_, rejectedList) = await bot.GetJsonAsync("/admin/applications?status=rejected");
        var (_, onePending) = await bot.GetJsonAsync($"/api/admin/applications/{pending}");
        var (_, oneApproved) = await bot.GetJsonAsync($"/api/admin/applications/{approved}");
        var (_, oneRejected) = await bot.GetJsonAsync($"/admin/applications/{rejected}");
        var missing = await bot.GetJsonAsync("/api/admin/applications/999999");

        Assert.Equal(address, addresses.GetProperty("items")[0].Int("id"));
        Assert.Equal((HttpStatusCode.NotFound, "not found"), (missing.Status, missing.Body.Error()));
        Snap.Match(summary, "summary");
        Snap.Match(addresses, "addresses", "items[*].id");
        Snap.Match(queued, "applications_pending", "applications[*].id");
        Snap.Match(approvedList, "applications_approved", "applications[*].id", "applications[*].address_id");
        Snap.Match(rejectedList, "applications_rejected", "applications[*].id");
        Snap.Match(onePending, "application_pending", "id");
        Snap.Match(oneApproved, "application_approved", "id", "address.id");
        Snap.Match(oneRejected, "application_rejected", "id");
    }

    [Fact]
    public async Task A_zone_bound_viewer_sees_only_their_zones_in_the_views()
    {
        await SeedAsync();
        var root = await App.LoginAsync();
        var zone = await map.CreateZoneAsync(root, 80, 80, 81, 81);
        var zoned = (await App.CreateBot().PostJsonAsync("/api/bot/markers", new { name = "Far north", lat = 80.5, lon = 80.5 })).Body.Int("pending");
        await map.CreateAdminAsync("views-other", AdminRole.Viewer, zones: [zone + 1000]);
        var outsider = await App.LoginAsync("views-other", "password-1234");

        var (_, botQueue) = await App.CreateBot().GetJsonAsync("/api/admin/applications");
        var (_, outsiderQueue) = await outsider.Http.GetJsonAsync("/api/admin/applications");
        var forbidden = await outsider.Http.GetJsonAsync($"/api/admin/applications/{zoned}");

        Assert.Contains(zoned, botQueue.GetProperty("applications").Ids());
        Assert.DoesNotContain(zoned, outsiderQueue.GetProperty("applications").Ids());
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.Status);
        await map.ExecuteAsync("UPDATE markers.pending_markers SET state = 'cancelled' WHERE id = $1", zoned);
    }
}
