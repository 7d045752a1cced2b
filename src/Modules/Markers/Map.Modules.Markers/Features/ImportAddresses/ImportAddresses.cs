using System.Security.Claims;
using Carter;
using CsvHelper;
using FluentValidation;
using Map.Modules.Admin.Contracts;
using Map.Modules.Markers.Contracts;
using Map.Modules.Markers.Domain;
using Map.Modules.Markers.Infrastructure;
using Mediator;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Map.Modules.Markers.Features.ImportAddresses;

/// <summary>
/// POST <c>/api/import</c> (editor), multipart part <c>file</c>: a CSV with a header row (UTF-8 with or without BOM;
/// separator <c>,</c> <c>;</c> tab or <c>|</c> detected) and the export's columns, with the aliases name|address and
/// notes|description. Each row is checked like a new address; a bad row is skipped and reported. A row whose <c>id</c>
/// exists overwrites that address (if the editor may use its zone); a new <c>id</c> is kept when it is at most
/// <see cref="ImportAddressesHandler.MaxKeptId"/>, so numbering always has room above it (a larger id is a skipped row,
/// decision 0032). A field holding text the database cannot store (NUL) skips its row too. → 200
/// <c>{"imported":n,"skipped":[{"row":line,"error":"..."}]}</c> (<c>row</c> = line in the file, header = 1). All rows
/// commit together: an unexpected database error rolls everything back → 500 <c>{"error":"internal_error"}</c>. 400
/// <c>{"error":"No file provided"}</c> without a file.
/// </summary>
internal sealed class ImportAddressesEndpoint : ICarterModule
{
    private static readonly BodyRules Body = new() { AcceptsForm = true, MaxBytes = MarkerBodies.ImportMaxBytes };

    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPost("/api/import", async (HttpRequest request, ClaimsPrincipal user, ISender sender, CancellationToken cancellationToken) =>
            {
                var file = request.HasFormContentType ? (await RequestBody.ReadAsync(request, Body, cancellationToken)).File("file") : null;
                if (file is null || file.Length == 0)
                {
                    return ApiErrors.BadRequest("No file provided");
                }

                await using var stream = file.OpenReadStream();
                var rows = await CsvRows.ReadAsync(stream, cancellationToken);
                var report = await sender.Send(new ImportAddressesCommand(user, rows), cancellationToken);
                return Results.Json(report);
            })
            .RequireAuthorization(MapPolicies.Editor)
            .Produces<ImportReport>()
            .WithFormBody<ImportFileBody>(alsoJson: false);
}

internal sealed record ImportAddressesCommand(ClaimsPrincipal User, IReadOnlyList<CsvRow> Rows) : ICommand<ImportReport>;

internal sealed record ImportReport(int Imported, IReadOnlyList<SkippedRow> Skipped);

internal sealed record SkippedRow(int Row, string Error);

internal sealed partial class ImportAddressesHandler(
    MarkersDbContext db, IAdminDirectory directory, IAuditLog audit, IEventBus events, TimeProvider clock, ILogger<ImportAddressesHandler> logger)
    : ICommandHandler<ImportAddressesCommand, ImportReport>
{
    /// <summary>
    /// The largest id a new row may keep: the old <c>integer</c> range, so every export of the predecessor or of Map
    /// fits, while the <c>bigint</c> numbering keeps more than 9×10^18 ids above it (decision 0032).
    /// </summary>
    public const long MaxKeptId = int.MaxValue;

    private static readonly ImportRowValidator RowValidator = new();

    public async ValueTask<ImportReport> Handle(ImportAddressesCommand command, CancellationToken cancellationToken)
    {
        var skipped = new List<SkippedRow>();
        var valid = new List<(CsvRow Row, long? Id, PointContent Content)>();
        foreach (var row in command.Rows)
        {
            try
            {
                valid.Add((row, ParseId(row.Id), Validate(row)));
            }
            catch (DomainException ex)
            {
                skipped.Add(new SkippedRow(row.Line, ex.Error));
            }
        }

        var scope = await directory.ScopeOfAsync(command.User, cancellationToken);
        var ids = valid.Where(v => v.Id is not null).Select(v => v.Id!.Value).Distinct().ToArray();
        var now = clock.Now();
        var created = new List<Address>();
        var updated = new List<Address>();
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var existing = await db.Addresses.Where(a => ids.Contains(a.Id)).ToDictionaryAsync(a => a.Id, cancellationToken);
            var keepsIds = false;
            foreach (var (row, id, content) in valid)
            {
                if (id is { } wanted && existing.TryGetValue(wanted, out var address))
                {
                    if (!scope.Allows(address.ZoneId))
                    {
                        skipped.Add(new SkippedRow(row.Line, "forbidden"));
                        continue;
                    }

                    address.Overwrite(content.Name, content.Point, content.Notes, content.Status, content.Link, content.Category, now);
                    if (!created.Contains(address) && !updated.Contains(address))
                    {
                        updated.Add(address);
                    }

                    continue;
                }

                var fresh = Address.Create(content, now, id);
                keepsIds |= id is not null;
                db.Addresses.Add(fresh);
                created.Add(fresh);
                if (id is { } kept)
                {
                    existing[kept] = fresh;
                }
            }

            if (keepsIds)
            {
                // Rows keep their ids: hold off concurrent inserts until the sequence has moved past them.
                await db.Database.ExecuteSqlRawAsync("LOCK TABLE markers.addresses IN SHARE ROW EXCLUSIVE MODE", cancellationToken);
            }

            await db.SaveChangesAsync(cancellationToken);
            if (keepsIds)
            {
                await db.Database.ExecuteSqlRawAsync(
                    "SELECT setval(pg_get_serial_sequence('markers.addresses', 'id'), (SELECT max(id) FROM markers.addresses))", cancellationToken);
            }

            await audit.RecordAsync(db.Database, "address.import", new { imported = created.Count + updated.Count, created = created.Count, skipped = skipped.Count }, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is DbUpdateException or PostgresException)
        {
            // Nothing was written (the transaction rolled back); the caller gets the platform's internal_error body,
            // the log gets the database's reason.
            var reason = (ex as PostgresException ?? ex.InnerException as PostgresException)?.MessageText ?? "database error";
            LogImportFailed(logger, ex, reason);
            throw;
        }

        foreach (var address in created)
        {
            await events.PublishAsync(new AddressCreated(address.ToView()), CancellationToken.None);
        }

        foreach (var address in updated)
        {
            await events.PublishAsync(new AddressUpdated(address.ToView()), CancellationToken.None);
        }

        return new ImportReport(created.Count + updated.Count, [.. skipped.OrderBy(s => s.Row)]);
    }

    private static long? ParseId(string? raw)
    {
        var text = MarkerText.NullIfEmpty(raw);
        return text is null ? null
            : long.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var id) && id is > 0 and <= MaxKeptId ? id
            : throw DomainException.Invalid($"id must be a whole number from 1 to {MaxKeptId}");
    }

    private static PointContent Validate(CsvRow row)
    {
        var input = ImportRowInput.From(row);
        var result = RowValidator.Validate(input);
        if (!result.IsValid)
        {
            throw DomainException.Invalid(result.Errors[0].ErrorMessage);
        }

        return new PointContent(
            input.Name!.Trim(),
            input.Coordinates.Point!.Value,
            MarkerText.NullIfEmpty(input.Notes),
            MarkerText.NullIfEmpty(input.Status),
            MarkerText.NullIfEmpty(input.Link),
            MarkerText.NullIfEmpty(input.Category),
            null,
            null);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "CSV import rolled back: {Reason}")]
    private static partial void LogImportFailed(ILogger logger, Exception exception, string reason);
}

/// <summary>A row's values as the address rules read them (CSV escapes undone, decimal commas accepted).</summary>
internal sealed record ImportRowInput(CsvRow Row, string? Name, CoordinatePair Coordinates, string? Notes, string? Status, string? Link, string? Category)
{
    public static ImportRowInput From(CsvRow row) => new(
        row,
        CsvText.Restore(row.Name),
        new CoordinatePair(CoordinateInput.Parse(DecimalComma(row.Lat)), CoordinateInput.Parse(DecimalComma(row.Lon))),
        CsvText.Restore(row.Notes),
        CsvText.Restore(row.Status),
        CsvText.Restore(row.Link),
        CsvText.Restore(row.Category));

    /// <summary>Spreadsheets in comma-decimal locales write <c>53,9</c>; a file is data from such a tool, so accept it here.</summary>
    private static string? DecimalComma(string? value) =>
        value is not null && value.Contains(',', StringComparison.Ordinal) && !value.Contains('.', StringComparison.Ordinal)
            ? value.Replace(',', '.')
            : value;
}

/// <summary>The address rules, per row: a row that breaks one is skipped with the rule's text in the report.</summary>
internal sealed class ImportRowValidator : AbstractValidator<ImportRowInput>
{
    public ImportRowValidator()
    {
        // PostgreSQL cannot store a NUL (22021): such a row is skipped like any other bad row, not a failed import.
        RuleFor(r => r.Row).Custom((row, context) =>
        {
            foreach (var (field, value) in new[] { ("name", row.Name), ("lat", row.Lat), ("lon", row.Lon), ("notes", row.Notes), ("status", row.Status), ("link", row.Link), ("category", row.Category) })
            {
                if (value is not null && !StoredText.IsStorable(value))
                {
                    context.AddFailure(field, $"{field} contains invalid characters");
                    return;
                }
            }
        });
        this.RequireNamedPoint(r => r.Name, r => r.Coordinates);
        RuleFor(r => r.Notes).TextOfAtMost("notes", MarkerText.NotesMax);
        RuleFor(r => r.Status).TextOfAtMost("status", MarkerText.StatusMax);
        RuleFor(r => r.Link).TextOfAtMost("link", MarkerText.LinkMax);
        RuleFor(r => r.Category).TextOfAtMost("category", MarkerText.CategoryMax);
    }
}

/// <summary>One data row of an import file, by column (absent columns are null).</summary>
internal sealed record CsvRow(int Line, string? Id, string? Name, string? Lat, string? Lon, string? Notes, string? Status, string? Link, string? Category);

internal static class CsvRows
{
    public const int MaxRows = 50_000;

    /// <summary>Reads the rows; 400 for a header without name/address, lat and lon, for malformed CSV or too many rows.</summary>
    public static async Task<IReadOnlyList<CsvRow>> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var options = new CsvReaderOptions
        {
            TrackLineNumbers = true,
            MaxRecordSize = 1024 * 1024,
            // A UTF-8 BOM must not become part of the first column's name (it broke "id" in the predecessor).
            NormalizeHeaderName = name => name.Trim('\uFEFF', ' ', '\t').ToLowerInvariant(),
        };
        var rows = new List<CsvRow>();
        try
        {
            await using var csv = CsvReader.Create(stream, options, leaveOpen: true);
            await csv.ReadHeaderAsync(cancellationToken);
            var headers = csv.Headers.Select(h => options.NormalizeHeaderName!(h)).ToHashSet();
            string? Column(params string[] names) => names.FirstOrDefault(headers.Contains);
            var name = Column("name", "address");
            var notes = Column("notes", "description");
            if (name is null || !headers.Contains("lat") || !headers.Contains("lon"))
            {
                throw DomainException.Invalid("the header must name the columns name (or address), lat and lon");
            }

            int Index(string? column) => column is not null && csv.TryGetFieldIndex(column, out var index) ? index : -1;
            int[] columns = [Index(Column("id")), Index(name), Index("lat"), Index("lon"), Index(notes), Index(Column("status")), Index(Column("link")), Index(Column("category"))];
            while (await csv.ReadAsync(cancellationToken))
            {
                if (rows.Count == MaxRows)
                {
                    throw DomainException.Invalid($"too many rows (at most {MaxRows} per file)");
                }

                // A row may be shorter than the header: a missing field is empty.
                var fields = columns.Select(i => i >= 0 && i < csv.FieldCount ? csv.GetStringOrNull(i) : null).ToArray();
                rows.Add(new CsvRow((int)csv.LineNumber, fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], fields[6], fields[7]));
            }
        }
        catch (CsvFormatException ex)
        {
            throw DomainException.Invalid($"invalid CSV: {ex.Message}");
        }

        return rows;
    }
}

/// <summary>The CSV file to import, as the <c>file</c> part.</summary>
internal sealed record ImportFileBody(IFormFile File);
