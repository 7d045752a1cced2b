using System.Net;
using Map.SharedKernel;

namespace Map.Modules.Markers.Tests;

/// <summary>Spec §8 cases 6 and 9 on a database of their own (counts start at zero).</summary>
public sealed class PendingCountTests(MarkersContext map) : IClassFixture<MarkersContext>
{
    [Fact]
    public async Task Counts_start_at_zero_and_follow_inserts()
    {
        await map.CreateAdminAsync("count-viewer", AdminRole.Viewer);
        var viewer = await map.Markers.LoginAsync("count-viewer", "password-1234");
        var bot = map.Markers.CreateBot();

        var (emptyStatus, empty) = await viewer.Http.GetJsonAsync("/api/pending/count");
        var first = (await bot.PostJsonAsync("/api/bot/markers", new { name = "one", lat = 1.0, lon = 1.0 })).Body.Int("pending");
        var second = (await bot.PostJsonAsync("/api/bot/markers", new { name = "two", lat = 2.0, lon = 2.0 })).Body.Int("pending");
        var (_, two) = await viewer.Http.GetJsonAsync("/api/pending/count");
        var (_, bell) = await viewer.Http.GetJsonAsync("/api/requests/count");
        var (_, bellList) = await viewer.Http.GetJsonAsync("/api/requests/pending");

        Assert.Equal((HttpStatusCode.OK, 0), (emptyStatus, empty.Int("count")));
        Assert.Equal(2, two.Int("count"));
        Assert.Equal(2, bell.Int("count"));
        Assert.Equal(new[] { second, first }, bellList.Ids());
    }
}
