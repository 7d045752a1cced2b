using System.Data;
using System.Globalization;
using System.Text;
using System.Xml;
using Carter;
using Map.Modules.Admin.Contracts;
using Map.Modules.Tracker.Wire;
using Npgsql;
using NpgsqlTypes;

namespace Map.Modules.Tracker.Features.Exports;

/// <summary>
/// Device exports (viewer, audited): <c>health.csv</c>, <c>points.csv</c>, <c>points.gpx</c>, <c>alerts.csv</c> with the
/// spec's columns, content types and file names. Rows are streamed from a PostgreSQL reader straight into the response
/// (nothing is collected in memory), oldest first among the newest <c>limit</c>; <c>limit=all</c> together with a
/// <c>from</c> bound exports the whole range, however large.
/// </summary>
internal sealed class ExportsEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/tracker/admin/device/{id}/export").RequireAuthorization(MapPolicies.Viewer);
        group.MapGet("/health.csv", HealthCsvAsync).Produces(StatusCodes.Status200OK, contentType: "text/csv");
        group.MapGet("/points.csv", (string id, HttpContext c, TrackerDbContext db, NpgsqlDataSource ds, IAuditLog a, TimeProvider t, CancellationToken ct) => PointsAsync(id, c, db, ds, a, t, gpx: false, ct))
            .Produces(StatusCodes.Status200OK, contentType: "text/csv");
        group.MapGet("/points.gpx", (string id, HttpContext c, TrackerDbContext db, NpgsqlDataSource ds, IAuditLog a, TimeProvider t, CancellationToken ct) => PointsAsync(id, c, db, ds, a, t, gpx: true, ct))
            .Produces(StatusCodes.Status200OK, contentType: "application/gpx+xml");
        group.MapGet("/alerts.csv", AlertsCsvAsync).Produces(StatusCodes.Status200OK, contentType: "text/csv");
    }

    private static (long? Limit, TimeRange Range) Window(HttpRequest request, DateTime now, int fallback, int max, double? defaultHours)
    {
        var range = TimeRange.Read(request, now, defaultHours is > 0 ? defaultHours : null, hoursOnlyWithoutBounds: true);
        if (request.Query["limit"].FirstOrDefault() == "all" && range.From is not null)
        {
            return (null, range);
        }

        return (Paging.ParseClamped(request.Query["limit"], fallback, 1, max), range);
    }

    private static async Task<IResult> HealthCsvAsync(string id, HttpContext context, TrackerDbContext db, NpgsqlDataSource dataSource, IAuditLog audit, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!await db.Devices.AnyAsync(d => d.PublicId == id, cancellationToken))
        {
            return Envelope.NotFound();
        }

        var (limit, range) = Window(context.Request, clock.GetUtcNow().UtcDateTime, 5000, 20000, null);
        await audit.RecordAsync("tracker.EXPORT_HEALTH_CSV", new { device_id = id, limit, from = range.From, to = range.To }, cancellationToken: cancellationToken);
        await using var command = dataSource.CreateCommand(
            """
            SELECT ts, battery_pct, is_charging, net, gps, accuracy_m, queue_size, tracking_on, last_error, device_model, os_version, app_version FROM (
              SELECT * FROM tracker.tracker_device_health_log
              WHERE device_id = $1 AND ts >= coalesce($2, '-infinity'::timestamptz) AND ts <= coalesce($3, 'infinity'::timestamptz)
              ORDER BY ts DESC LIMIT $4) t
            ORDER BY ts
            """);
        AddWindow(command, id, range, limit);
        await StartFileAsync(context, "text/csv; charset=utf-8", $"health_{id}.csv");
        await StreamCsvAsync(context, command, "ts,battery_pct,is_charging,net,gps,accuracy_m,queue_size,tracking_on,last_error,device_model,os_version,app_version", cancellationToken);
        return Results.Empty;
    }

    private static async Task<IResult> PointsAsync(string id, HttpContext context, TrackerDbContext db, NpgsqlDataSource dataSource, IAuditLog audit, TimeProvider clock, bool gpx, CancellationToken cancellationToken)
    {
        if (await db.Devices.AsNoTracking().FirstOrDefaultAsync(d => d.PublicId == id, cancellationToken) is not { } device)
        {
            return Envelope.NotFound();
        }

        var (limit, range) = gpx
            ? Window(context.Request, clock.GetUtcNow().UtcDateTime, 20000, 50000, null)
            : Window(context.Request, clock.GetUtcNow().UtcDateTime, 5000, 20000, null);
        await audit.RecordAsync(gpx ? "tracker.EXPORT_POINTS_GPX" : "tracker.EXPORT_POINTS_CSV", new { device_id = id, limit, from = range.From, to = range.To }, cancellationToken: cancellationToken);
        // Newest N oldest-first; the unbounded range export reads the (user_id, ts) index in order (no sort, no buffering).
        var sql = limit is null
            ? """
              SELECT ts, lat, lon, accuracy_m, kind, session_id FROM tracker.tracking_points
              WHERE user_id = $1 AND ts >= coalesce($2, '-infinity'::timestamptz) AND ts <= coalesce($3, 'infinity'::timestamptz) AND $4::bigint IS NULL
              ORDER BY ts
              """
            : """
              SELECT ts, lat, lon, accuracy_m, kind, session_id FROM (
                SELECT ts, lat, lon, accuracy_m, kind, session_id FROM tracker.tracking_points
                WHERE user_id = $1 AND ts >= coalesce($2, '-infinity'::timestamptz) AND ts <= coalesce($3, 'infinity'::timestamptz)
                ORDER BY ts DESC LIMIT $4) t
              ORDER BY ts
              """;
        await using var command = dataSource.CreateCommand(sql);
        AddWindow(command, device.UserId, range, limit);
        if (!gpx)
        {
            await StartFileAsync(context, "text/csv; charset=utf-8", $"points_{id}.csv");
            await StreamCsvAsync(context, command, "ts,lat,lon,accuracy_m,kind,session_id", cancellationToken);
            return Results.Empty;
        }

        await StartFileAsync(context, "application/gpx+xml", $"points_{id}.gpx");
        var name = string.IsNullOrWhiteSpace(device.Label) ? device.PublicId : device.Label;
        await using var xml = XmlWriter.Create(context.Response.Body, new XmlWriterSettings { Async = true, Encoding = new UTF8Encoding(false), Indent = true });
        await xml.WriteStartDocumentAsync();
        await xml.WriteStartElementAsync(null, "gpx", "http://www.topografix.com/GPX/1/1");
        await xml.WriteAttributeStringAsync(null, "version", null, "1.1");
        await xml.WriteAttributeStringAsync(null, "creator", null, "Map v12");
        await xml.WriteStartElementAsync(null, "metadata", null);
        await xml.WriteElementStringAsync(null, "name", null, name);
        await xml.WriteEndElementAsync();
        await xml.WriteStartElementAsync(null, "trk", null);
        await xml.WriteElementStringAsync(null, "name", null, name);
        await xml.WriteStartElementAsync(null, "trkseg", null);
        await using (var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken))
        {
            var rows = 0;
            while (await reader.ReadAsync(cancellationToken))
            {
                var ts = reader.GetFieldValue<DateTime>(0);
                var lat = reader.GetDouble(1);
                var lon = reader.GetDouble(2);
                double? accuracy = reader.IsDBNull(3) ? null : reader.GetDouble(3);
                await xml.WriteStartElementAsync(null, "trkpt", null);
                await xml.WriteAttributeStringAsync(null, "lat", null, lat.ToString("R", CultureInfo.InvariantCulture));
                await xml.WriteAttributeStringAsync(null, "lon", null, lon.ToString("R", CultureInfo.InvariantCulture));
                await xml.WriteElementStringAsync(null, "time", null, WireJson.Format(ts));
                if (accuracy is { } acc)
                {
                    await xml.WriteStartElementAsync(null, "extensions", null);
                    await xml.WriteElementStringAsync(null, "accuracy_m", null, acc.ToString("R", CultureInfo.InvariantCulture));
                    await xml.WriteEndElementAsync();
                }

                await xml.WriteEndElementAsync();
                if (++rows % 1000 == 0)
                {
                    await xml.FlushAsync();
                }
            }
        }

        await xml.WriteEndDocumentAsync();
        await xml.FlushAsync();
        return Results.Empty;
    }

    private static async Task<IResult> AlertsCsvAsync(string id, HttpContext context, TrackerDbContext db, NpgsqlDataSource dataSource, IAuditLog audit, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!await db.Devices.AnyAsync(d => d.PublicId == id, cancellationToken))
        {
            return Envelope.NotFound();
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var hours = double.TryParse(context.Request.Query["hours"].FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var h) ? h : 72;
        var range = TimeRange.Read(context.Request, now, null);
        var from = range.From ?? (hours > 0 && range.To is null ? now.AddHours(-hours) : null);
        var limit = Paging.ParseClamped(context.Request.Query["limit"], 5000, 1, 50000);
        bool? active = context.Request.Query["active"].FirstOrDefault()?.Trim().ToLowerInvariant() switch
        {
            "1" or "true" or "active" => true,
            "0" or "false" or "inactive" or "closed" => false,
            _ => null,
        };
        await audit.RecordAsync("tracker.EXPORT_ALERTS_CSV", new { device_id = id, limit, from, to = range.To, active }, cancellationToken: cancellationToken);
        await using var command = dataSource.CreateCommand(
            """
            SELECT updated_at, created_at, kind, severity, is_active, acked_at, closed_at, message, '' AS details, payload::text, user_id
            FROM tracker.tracker_alerts
            WHERE device_id = $1 AND updated_at >= coalesce($2, '-infinity'::timestamptz) AND updated_at <= coalesce($3, 'infinity'::timestamptz)
              AND ($5::boolean IS NULL OR is_active = $5)
            ORDER BY updated_at DESC LIMIT $4
            """);
        AddWindow(command, id, range with { From = from }, limit);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Boolean, Value = (object?)active ?? DBNull.Value });
        await StartFileAsync(context, "text/csv; charset=utf-8", $"alerts_{id}.csv");
        await StreamCsvAsync(context, command, "updated_at,created_at,kind,severity,is_active,acked_at,closed_at,message,details,payload_json,user_id", cancellationToken);
        return Results.Empty;
    }

    private static void AddWindow(NpgsqlCommand command, string key, TimeRange range, long? limit)
    {
        command.Parameters.AddWithValue(key);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = (object?)range.From ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = (object?)range.To ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = (object?)limit ?? DBNull.Value });
    }

    private static async Task StartFileAsync(HttpContext context, string contentType, string fileName)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = contentType;
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.StartAsync(context.RequestAborted);
    }

    /// <summary>Writes the header and each row as it is read: timestamps with <c>Z</c>, booleans 1/0, RFC 4180 quoting.</summary>
    private static async Task StreamCsvAsync(HttpContext context, NpgsqlCommand command, string header, CancellationToken cancellationToken)
    {
        await using var writer = new StreamWriter(context.Response.Body, new UTF8Encoding(false), 64 * 1024, leaveOpen: true);
        await writer.WriteAsync(header + "\r\n");
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken);
        var line = new StringBuilder();
        while (await reader.ReadAsync(cancellationToken))
        {
            line.Clear();
            for (var i = 0; i < reader.FieldCount; i++)
            {
                if (i > 0)
                {
                    line.Append(',');
                }

                if (await reader.IsDBNullAsync(i, cancellationToken))
                {
                    continue;
                }

                var value = reader.GetValue(i);
                line.Append(value switch
                {
                    DateTime ts => WireJson.Format(ts),
                    bool b => b ? "1" : "0",
                    double d => d.ToString("R", CultureInfo.InvariantCulture),
                    IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                    _ => Quote(value.ToString() ?? ""),
                });
            }

            await writer.WriteAsync(line.Append("\r\n").ToString());
        }

        await writer.FlushAsync(cancellationToken);
    }

    /// <summary>Quotes a text cell; a leading =, +, - or @ is prefixed with ' so spreadsheets do not run it as a formula.</summary>
    private static string Quote(string text)
    {
        if (text.Length > 0 && text[0] is '=' or '+' or '-' or '@')
        {
            text = "'" + text;
        }

        return text.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
    }
}
