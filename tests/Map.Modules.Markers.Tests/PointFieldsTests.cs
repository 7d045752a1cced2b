using Map.Modules.Markers.Data;

namespace Map.Modules.Markers.Tests;

/// <summary>
/// The point fields are one EF complex type (decision 0015): the columns keep their names, the indexes the model cannot
/// declare over them stay in the database, and a request's fields reach its address unchanged through moderation.
/// </summary>
public sealed class PointFieldsTests(MarkersContext map) : IClassFixture<MarkersContext>
{
    [Fact]
    public async Task The_indexes_over_point_fields_exist_in_the_migrated_database()
    {
        _ = map.Markers;
        var names = string.Join(",", PointFieldIndexes.Names.Select(n => $"'{n}'"));

        var found = await map.ScalarAsync<long>($"SELECT count(*) FROM pg_indexes WHERE schemaname = 'markers' AND indexname IN ({names})");

        Assert.Equal(PointFieldIndexes.Names.Length, found);
    }

    [Fact]
    public async Task A_requests_fields_reach_its_address_through_approval_and_a_row_lock()
    {
        var root = await map.App.LoginAsync();
        await map.ExecuteAsync(
            "INSERT INTO markers.pending_markers (name, name_key, lat, lon, notes, status, link, category, ai_tags, priority, state, created_at, updated_at) "
            + "VALUES ('Точка А', 'точка а', 55.5, 37.5, 'n', 'Локальный доступ', 'https://example.org/a', 'Кат', '[\"t\"]', 3, 'pending', now(), now())");
        var id = await map.ScalarAsync<int>("SELECT id FROM markers.pending_markers WHERE name = 'Точка А'");

        var pending = (await root.Http.GetJsonAsync("/api/pending")).Body.EnumerateArray().Single(p => p.Int("id") == id);
        var (status, approved) = await root.Http.PostJsonAsync($"/api/pending/{id}/approve", new { reason = "ok" });

        Assert.Equal("Точка А", pending.GetProperty("name").GetString());
        Assert.Equal(["t"], pending.GetProperty("ai_tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(3, pending.GetProperty("priority").GetInt32());
        Assert.True(status == System.Net.HttpStatusCode.OK, approved.ToString());
        Assert.Equal(
            "Точка А|55.5|37.5|n|Локальный доступ|https://example.org/a|Кат",
            await map.ScalarAsync<string>("SELECT concat_ws('|', name, lat, lon, notes, status, link, category) FROM markers.addresses WHERE name_key = 'точка а'"));
    }
}
