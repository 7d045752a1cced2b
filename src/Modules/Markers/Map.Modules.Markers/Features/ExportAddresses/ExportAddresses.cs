using System.Globalization;
using System.Security.Claims;
using Carter;
using CsvHelper;
using Map.Modules.Admin.Contracts;
using Map.Modules.Markers.Infrastructure;
using MiniExcelLibs;

namespace Map.Modules.Markers.Features.ExportAddresses;

/// <summary>
/// GET <c>/api/export</c> (CSV) and <c>/api/export.xlsx</c> = <c>/api/addresses/export.xlsx</c> (XLSX, sheet
/// <c>Addresses</c>; the UI links the second path, which answered 405 in the predecessor): columns
/// <c>id,name,lat,lon,notes,status,link,category</c>, nulls empty, by id. Viewer session and zone scope (the predecessor
/// exported everything to anyone). Rows stream from the database; text that a spreadsheet would run as a formula
/// gets a leading <c>'</c> in the CSV (the import removes it again).
/// </summary>
internal sealed class ExportAddressesEndpoint : ICarterModule
{
    private const string XlsxContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    public static readonly string[] Columns = ["id", "name", "lat", "lon", "notes", "status", "link", "category"];

    public void AddRoutes(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/export", ExportCsvAsync).RequireAuthorization(MapPolicies.Viewer).Produces(StatusCodes.Status200OK, contentType: "text/csv");
        foreach (var path in new[] { "/api/export.xlsx", "/api/addresses/export.xlsx" })
        {
            app.MapGet(path, ExportXlsxAsync).RequireAuthorization(MapPolicies.Viewer).Produces(StatusCodes.Status200OK, contentType: XlsxContentType);
        }
    }

    private static async Task ExportCsvAsync(HttpContext context, ClaimsPrincipal user, MarkersDbContext db, IAdminDirectory directory, CancellationToken cancellationToken)
    {
        var rows = await RowsAsync(db, directory, user, cancellationToken);
        context.Response.ContentType = "text/csv; charset=utf-8";
        context.Response.Headers.ContentDisposition = "attachment; filename=addresses.csv";
        await using var csv = CsvWriter.Create(context.Response.Body, null, leaveOpen: true);
        await csv.WriteRecordAsync(Columns, cancellationToken);
        await foreach (var row in rows.AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            await csv.WriteRecordAsync(
                [
                    row.Id.ToString(CultureInfo.InvariantCulture), CsvText.Defuse(row.Name), Number(row.Lat), Number(row.Lon),
                    CsvText.Defuse(row.Notes), CsvText.Defuse(row.Status), CsvText.Defuse(row.Link), CsvText.Defuse(row.Category),
                ],
                cancellationToken);
        }

        await csv.FlushAsync(cancellationToken);
    }

    private static string? Number(double? value) => value?.ToString("R", CultureInfo.InvariantCulture);

    private static async Task<IResult> ExportXlsxAsync(ClaimsPrincipal user, MarkersDbContext db, IAdminDirectory directory, CancellationToken cancellationToken)
    {
        var rows = await RowsAsync(db, directory, user, cancellationToken);
        // The workbook is a zip: build it in a temporary file (deleted when the response stream closes), not in memory.
        var file = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 65536, FileOptions.DeleteOnClose);
        try
        {
            var sheet = rows.AsEnumerable().Select(r => new Dictionary<string, object?>
            {
                ["id"] = r.Id,
                ["name"] = r.Name,
                ["lat"] = r.Lat,
                ["lon"] = r.Lon,
                ["notes"] = r.Notes,
                ["status"] = r.Status,
                ["link"] = r.Link,
                ["category"] = r.Category,
            });
            await MiniExcel.SaveAsAsync(file, sheet, sheetName: "Addresses", excelType: ExcelType.XLSX, cancellationToken: cancellationToken);
            file.Position = 0;
            return Results.File(file, XlsxContentType, "addresses.xlsx");
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    private static async Task<IQueryable<ExportRow>> RowsAsync(MarkersDbContext db, IAdminDirectory directory, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var scope = await directory.ScopeOfAsync(user, cancellationToken);
        return db.Addresses.AsNoTracking().InScope(scope).OrderBy(a => a.Id)
            .Select(a => new ExportRow(a.Id, a.Fields.Name, a.Fields.Lat, a.Fields.Lon, a.Fields.Notes, a.Fields.Status, a.Fields.Link, a.Fields.Category));
    }

    private sealed record ExportRow(long Id, string Name, double? Lat, double? Lon, string? Notes, string? Status, string? Link, string? Category);
}
