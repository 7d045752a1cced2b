using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Map.Modules.Markers.Tests;

/// <summary>
/// Issue 17 row 1, in a database of its own (it moves the address numbering past the old integer range, which the
/// other import tests must not see).
/// </summary>
public sealed class ImportIdRangeTests(MarkersContext map) : IClassFixture<MarkersContext>
{
    private static MultipartFormDataContent CsvFile(string csv)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return new MultipartFormDataContent { { content, "file", "addresses.csv" } };
    }

    private Task<long> CountAsync(string where) => map.ScalarAsync<long>($"SELECT count(*) FROM markers.addresses WHERE {where}")!;

    [Fact]
    public async Task Imported_ids_never_move_the_numbering_past_its_range()
    {
        // Issue 17 row 1: the row "2147483647,maxint row" used to push the identity sequence to its end, and every
        // later insert answered 500. Ids are bigint now; a kept id is at most 2147483647; a larger one is a skipped row.
        var root = await map.Markers.LoginAsync();
        var tag = Guid.NewGuid().ToString("N")[..6];

        var (status, report) = await root.Http.PostJsonAsync("/api/import", CsvFile(
            $"id,name,lat,lon\n2147483647,maxint {tag},40.65,40.65\n2147483648,too big {tag},1,1\n9223372036854775807,max bigint {tag},1,1\n" +
            $"99999999999999999999,overflow {tag},1,1\n-5,negative {tag},1,1\n0,zero {tag},1,1\n"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, report.Int("imported"));
        var skipped = report.GetProperty("skipped").EnumerateArray().Select(r => (r.Int("row"), r.Str("error"))).ToList();
        Assert.Equal([3, 4, 5, 6, 7], skipped.Select(r => r.Item1));
        Assert.All(skipped, r => Assert.Equal("id must be a whole number from 1 to 2147483647", r.Item2));
        Assert.Equal(1L, await CountAsync($"id = 2147483647 AND name = 'maxint {tag}'"));
        Assert.Equal(0L, await CountAsync($"name LIKE '%{tag}' AND id <> 2147483647"));

        // Numbering goes on above the kept id: a new address, an approval and an import without ids all still work.
        var created = await root.Http.PostJsonAsync("/api/addresses", new { name = $"after {tag}", lat = 1.5, lon = 1.5 });
        Assert.Equal(HttpStatusCode.OK, created.Status);
        Assert.Equal(2147483648L, created.Body.GetProperty("id").GetInt64());
        var pending = (await map.Markers.CreateBot().PostJsonAsync("/api/bot/markers", new { name = $"bot {tag}", lat = 3.5, lon = 3.5, user_id = "42", message_id = tag })).Body.Int("pending");
        var approved = await root.Http.PostJsonAsync($"/api/pending/{pending}/approve");
        Assert.Equal(HttpStatusCode.OK, approved.Status);
        Assert.Equal(1L, await CountAsync($"name = 'bot {tag}' AND id > 2147483648"));
        var plain = await root.Http.PostJsonAsync("/api/import", CsvFile($"name,lat,lon\nplain {tag},2,2\n"));
        Assert.Equal((HttpStatusCode.OK, 1), (plain.Status, plain.Body.Int("imported")));
        Assert.Equal(1L, await CountAsync($"name = 'plain {tag}' AND id > 2147483648"));
        Assert.Equal("bigint", await map.ScalarAsync<string>("SELECT data_type FROM information_schema.columns WHERE table_schema = 'markers' AND table_name = 'addresses' AND column_name = 'id'"));
    }
}
