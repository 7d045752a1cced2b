using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Map.SharedKernel;
using MiniExcelLibs;

namespace Map.Modules.Markers.Tests;

public sealed class ExchangeTests(MarkersContext map) : IClassFixture<MarkersContext>
{
    private static MultipartFormDataContent CsvFile(string csv, bool bom = false, string part = "file")
    {
        var bytes = Encoding.UTF8.GetBytes(csv);
        var content = new ByteArrayContent(bom ? [0xEF, 0xBB, 0xBF, .. bytes] : bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return new MultipartFormDataContent { { content, part, "addresses.csv" } };
    }

    private Task<long> CountAsync(string where) => map.ScalarAsync<long>($"SELECT count(*) FROM markers.addresses WHERE {where}")!;

    [Fact]
    public async Task Csv_export_has_the_legacy_columns_and_the_import_reads_it_back()
    {
        // Spec §8 case 13.
        var root = await map.Markers.LoginAsync();
        var name = "Export " + Guid.NewGuid().ToString("N")[..8];
        var id = (await root.Http.PostJsonAsync("/api/addresses", new { name, lat = 53.9, lon = 27.56, notes = "=cmd|' /C calc'!A0", category = "Домофон" })).Body.Int("id");

        var export = await root.Http.GetAsync("/api/export");
        var csv = await export.Content.ReadAsStringAsync();
        var (status, report) = await root.Http.PostJsonAsync("/api/import", CsvFile("id,name,lat,lon,notes,status,link,category\n,Imp,10.0,20.0,desc,open,,cat\n"));

        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal("text/csv", export.Content.Headers.ContentType!.MediaType);
        Assert.Equal("utf-8", export.Content.Headers.ContentType.CharSet);
        Assert.Equal("attachment; filename=addresses.csv", export.Content.Headers.ContentDisposition!.ToString());
        Assert.StartsWith("id,name,lat,lon,notes,status,link,category", csv, StringComparison.Ordinal);
        Assert.Contains($"{id},{name},53.9,27.56,'=cmd|' /C calc'!A0,,,Домофон", csv, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(report.Int("imported") >= 1);
        Assert.Empty(report.GetProperty("skipped").EnumerateArray());
        Assert.Equal(1L, await CountAsync("name = 'Imp' AND lat = 10 AND lon = 20 AND notes = 'desc' AND status = 'open' AND link IS NULL AND category = 'cat'"));

        // The export imports back onto the same rows: nothing new, the formula text restored.
        var again = await root.Http.PostJsonAsync("/api/import", CsvFile(csv));
        Assert.Equal(0, again.Body.GetProperty("skipped").GetArrayLength());
        Assert.Equal(1L, await CountAsync($"name = '{name}'"));
        Assert.Equal("=cmd|' /C calc'!A0", await map.ScalarAsync<string>("SELECT notes FROM markers.addresses WHERE id = $1", id));
    }

    [Fact]
    public async Task Xlsx_export_answers_on_both_paths()
    {
        var root = await map.Markers.LoginAsync();
        var name = "Sheet " + Guid.NewGuid().ToString("N")[..8];
        await root.Http.PostJsonAsync("/api/addresses", new { name, lat = 53.9, lon = 27.56 });

        foreach (var path in new[] { "/api/export.xlsx", "/api/addresses/export.xlsx" })
        {
            var response = await root.Http.GetAsync(path);
            await using var stream = new MemoryStream(await response.Content.ReadAsByteArrayAsync());

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", response.Content.Headers.ContentType!.MediaType);
            Assert.Equal("addresses.xlsx", response.Content.Headers.ContentDisposition!.FileName);
            Assert.Equal(["Addresses"], MiniExcel.GetSheetNames(stream));
            stream.Position = 0;
            var rows = MiniExcel.Query(stream, useHeaderRow: true).Cast<IDictionary<string, object>>().ToList();
            Assert.Equal(["id", "name", "lat", "lon", "notes", "status", "link", "category"], rows[0].Keys);
            var row = Assert.Single(rows, r => (string)r["name"] == name);
            Assert.Equal(53.9, Convert.ToDouble(row["lat"], System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public async Task Exports_need_a_viewer_and_follow_zones()
    {
        var root = await map.Markers.LoginAsync();
        var zoneA = await map.CreateZoneAsync(root, 30, 30, 31, 31);
        var zoneB = await map.CreateZoneAsync(root, 32, 32, 33, 33);
        var inB = "Zone B point " + Guid.NewGuid().ToString("N")[..6];
        await root.Http.PostJsonAsync("/api/addresses", new { name = inB, lat = 32.5, lon = 32.5, zone_id = zoneB });
        await map.CreateAdminAsync("export-viewer", AdminRole.Viewer, zones: [zoneA]);
        var viewer = await map.Markers.LoginAsync("export-viewer", "password-1234");

        var anonymous = await map.Markers.CreateBrowser().GetAsync("/api/export");
        var anonymousXlsx = await map.Markers.CreateBrowser().GetAsync("/api/addresses/export.xlsx");
        var scoped = await (await viewer.Http.GetAsync("/api/export")).Content.ReadAsStringAsync();
        var all = await (await root.Http.GetAsync("/api/export")).Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Forbidden, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, anonymousXlsx.StatusCode);
        Assert.DoesNotContain(inB, scoped, StringComparison.Ordinal);
        Assert.Contains(inB, all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_tolerates_a_bom_semicolons_and_decimal_commas_and_reports_bad_rows_by_line()
    {
        var root = await map.Markers.LoginAsync();
        var tag = Guid.NewGuid().ToString("N")[..6];
        var csv = $"""
            ID;Address;Lat;Lon;Description
            ;Semi {tag};53,5;27,5;ok
            ;;53.5;27.5;no name
            ;Far {tag};999;27.5;out of range
            ;Comma {tag};"53,6";north;bad lon
            abc;Bad id {tag};53.5;27.5;bad id
            ;Short {tag};53.7
            ;Second {tag};53.8;27.8
            """;

        var (status, report) = await root.Http.PostJsonAsync("/api/import", CsvFile(csv, bom: true));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, report.Int("imported"));
        var skipped = report.GetProperty("skipped").EnumerateArray().Select(s => (s.Int("row"), s.Str("error"))).ToArray();
        Assert.Equal(
            new (int, string?)[]
            {
                (3, "name, lat, lon are required"), (4, "Invalid coordinates"), (5, "Invalid coordinates"),
                (6, "id must be a whole number from 1 to 2147483647"), (7, "name, lat, lon are required"),
            },
            skipped);
        Assert.Equal(1L, await CountAsync($"name = 'Semi {tag}' AND lat = 53.5 AND lon = 27.5 AND notes = 'ok'"));
        Assert.Equal(1L, await CountAsync($"name = 'Second {tag}'"));
    }

    [Fact]
    public async Task Import_keeps_given_ids_and_moves_the_sequence_past_them()
    {
        var root = await map.Markers.LoginAsync();

        var (_, report) = await root.Http.PostJsonAsync("/api/import", CsvFile("id,name,lat,lon\n900000,Kept id,1,1\n"));
        var next = (await root.Http.PostJsonAsync("/api/addresses", new { name = "After import", lat = 1.0, lon = 1.0 })).Body.Int("id");

        Assert.Equal(1, report.Int("imported"));
        Assert.Equal(1L, await CountAsync("id = 900000 AND name = 'Kept id'"));
        Assert.True(next > 900000);
    }

    [Fact]
    public async Task Import_cannot_overwrite_points_outside_the_editors_zones()
    {
        var root = await map.Markers.LoginAsync();
        var zoneA = await map.CreateZoneAsync(root, 40, 40, 41, 41);
        var zoneB = await map.CreateZoneAsync(root, 42, 42, 43, 43);
        var foreign = (await root.Http.PostJsonAsync("/api/addresses", new { name = "Foreign", lat = 42.5, lon = 42.5, zone_id = zoneB })).Body.Int("id");
        await map.CreateAdminAsync("import-editor", AdminRole.Editor, zones: [zoneA]);
        var editor = await map.Markers.LoginAsync("import-editor", "password-1234");

        var (status, report) = await editor.Http.PostJsonAsync("/api/import", CsvFile($"id,name,lat,lon\n{foreign},Hijacked,1,1\n"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(0, report.Int("imported"));
        Assert.Equal((2, "forbidden"), (report.GetProperty("skipped")[0].Int("row"), report.GetProperty("skipped")[0].Str("error")!));
        Assert.Equal(1L, await CountAsync($"id = {foreign} AND name = 'Foreign'"));
    }

    [Theory]
    [InlineData(null, "No file provided")]
    [InlineData("", "No file provided")]
    [InlineData("id,title,x,y\n1,a,1,1\n", "the header must name the columns name (or address), lat and lon")]
    public async Task Bad_files_are_400_and_store_nothing(string? csv, string error)
    {
        var root = await map.Markers.LoginAsync();
        var before = await CountAsync("true");

        var (status, body) = await root.Http.PostJsonAsync("/api/import", csv is null ? CsvFile("name,lat,lon\nx,1,1\n", part: "other") : CsvFile(csv));

        Assert.Equal((HttpStatusCode.BadRequest, error), (status, body.Error()));
        Assert.Equal(before, await CountAsync("true"));
    }

    [Fact]
    public async Task A_database_error_rolls_the_whole_import_back()
    {
        var root = await map.Markers.LoginAsync();
        var tag = Guid.NewGuid().ToString("N")[..6];
        await map.ExecuteAsync(
            """
            CREATE FUNCTION markers.refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.name LIKE 'boom%' THEN RAISE EXCEPTION 'boom refused'; END IF; RETURN NEW; END $$;
            CREATE TRIGGER refuse_boom BEFORE INSERT ON markers.addresses FOR EACH ROW EXECUTE FUNCTION markers.refuse_boom();
            """);
        try
        {
            var (status, body) = await root.Http.PostJsonAsync("/api/import", CsvFile($"name,lat,lon\nfine {tag},1,1\nboom {tag},2,2\n"));

            // Issue 17 row 6: a 500 never carries the database's text.
            Assert.Equal(HttpStatusCode.InternalServerError, status);
            Assert.Equal("""{"error":"internal_error"}""", body.GetRawText());
            Assert.Equal(0L, await CountAsync($"name LIKE '%{tag}'"));
        }
        finally
        {
            await map.ExecuteAsync("DROP TRIGGER refuse_boom ON markers.addresses; DROP FUNCTION markers.refuse_boom();");
        }
    }

    [Fact]
    public async Task Text_the_database_cannot_store_skips_its_row_instead_of_failing_the_import()
    {
        // Issue 17 row 6: a NUL in a file answered 500 "import failed: invalid byte sequence ...".
        var root = await map.Markers.LoginAsync();
        var tag = Guid.NewGuid().ToString("N")[..6];

        var (status, report) = await root.Http.PostJsonAsync("/api/import", CsvFile($"name,lat,lon,notes\nnul\0name {tag},1,1,\ngood {tag},1,1,a\0b\nfine {tag},2,2,ok\n"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, report.Int("imported"));
        Assert.Equal(
            [(2, "name contains invalid characters"), (3, "notes contains invalid characters")],
            report.GetProperty("skipped").EnumerateArray().Select(r => (r.Int("row"), r.Str("error")!)));
        Assert.Equal(1L, await CountAsync($"name LIKE '%{tag}'"));
    }

    [Fact]
    public async Task Imported_rows_are_announced()
    {
        var root = await map.Markers.LoginAsync();
        await using var socket = await map.Markers.ConnectRealtimeAsync(root);
        var name = "Announced " + Guid.NewGuid().ToString("N")[..6];

        await root.Http.PostJsonAsync("/api/import", CsvFile($"name,lat,lon\n{name},3,3\n"));

        Assert.NotNull(await socket.WaitForEventAsync("address_created", d => d.Str("name") == name));
    }
}
