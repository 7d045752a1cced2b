namespace Map.Modules.Markers.Tests;

/// <summary>
/// markers.zone_counts (decision 0092) stays equal to the real counts, per zone, through every kind of write: bulk
/// inserts, state and zone changes, deletes, a zone deleted under its rows, TRUNCATE.
/// </summary>
public sealed class ZoneCountsTests(MarkersContext map) : IClassFixture<MarkersContext>
{
    private const string Mismatches = """
        SELECT count(*) FROM (
            SELECT coalesce(zone_id, 0) AS zone_id, count(*) AS real FROM markers.pending_markers WHERE state = 'pending' GROUP BY 1
        ) r FULL JOIN (SELECT zone_id, count FROM markers.zone_counts WHERE kind = 'pending' AND count <> 0) c USING (zone_id)
        WHERE r.real IS DISTINCT FROM c.count
        """;

    private const string AddressMismatches = """
        SELECT count(*) FROM (
            SELECT coalesce(zone_id, 0) AS zone_id, count(*) AS real FROM markers.addresses GROUP BY 1
        ) r FULL JOIN (SELECT zone_id, count FROM markers.zone_counts WHERE kind = 'addresses' AND count <> 0) c USING (zone_id)
        WHERE r.real IS DISTINCT FROM c.count
        """;

    [Fact]
    public async Task The_counts_follow_every_write()
    {
        var root = await map.App.LoginAsync();
        var zoneA = await map.CreateZoneAsync(root, 40, 40, 41, 41);
        var zoneB = await map.CreateZoneAsync(root, 42, 42, 43, 43);
        var checks = new List<(string Step, long Pending, long Addresses)>();

        async Task Check(string step) =>
            checks.Add((step, await map.ScalarAsync<long>(Mismatches), await map.ScalarAsync<long>(AddressMismatches)));

        await map.ExecuteAsync(
            "INSERT INTO markers.pending_markers (name, name_key, lat, lon, state, zone_id, created_at, updated_at) "
            + "SELECT 'p' || i, 'p' || i, 40.5, 40.5, 'pending', CASE i % 3 WHEN 0 THEN NULL WHEN 1 THEN $1 ELSE $2 END, now(), now() "
            + "FROM generate_series(1, 300) i",
            zoneA,
            zoneB);
        await map.ExecuteAsync(
            "INSERT INTO markers.addresses (name, name_key, lat, lon, zone_id, created_at, updated_at) "
            + "SELECT 'a' || i, 'a' || i, 40.5, 40.5, CASE i % 2 WHEN 0 THEN NULL ELSE $1 END, now(), now() FROM generate_series(1, 200) i",
            zoneA);
        await Check("bulk insert");
        await map.ExecuteAsync("UPDATE markers.pending_markers SET state = 'approved' WHERE name_key LIKE 'p1%'");
        await Check("state change");
        await map.ExecuteAsync("UPDATE markers.pending_markers SET zone_id = $1 WHERE zone_id IS NULL AND name_key LIKE 'p2%'", zoneB);
        await map.ExecuteAsync("UPDATE markers.addresses SET zone_id = $1 WHERE zone_id IS NULL AND name_key LIKE 'a2%'", zoneB);
        await Check("zone change");
        await map.ExecuteAsync("DELETE FROM markers.pending_markers WHERE name_key LIKE 'p3%'");
        await map.ExecuteAsync("DELETE FROM markers.addresses WHERE name_key LIKE 'a3%'");
        await Check("delete");
        Assert.True((await root.Http.DeleteAsync($"/zones/{zoneB}")).IsSuccessStatusCode);
        await Check("zone deleted");
        var real = await map.ScalarAsync<long>("SELECT count(*) FROM markers.pending_markers WHERE state = 'pending'");
        var count = await root.Http.GetStringAsync("/api/pending/count");
        await map.ExecuteAsync("TRUNCATE markers.pending_markers CASCADE");
        await Check("truncate");

        Assert.All(checks, c => Assert.True(c.Pending == 0 && c.Addresses == 0, $"after {c.Step}: {c.Pending} pending and {c.Addresses} address zones differ"));
        Assert.True(real > 100);
        Assert.Equal($"{{\"count\":{real}}}", count);
    }
}
