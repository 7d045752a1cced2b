using System.Globalization;
using System.Text.Json;
using Carter;
using Mediator;

namespace Map.Modules.Admin.Features.ReadAuditLog;

/// <summary>
/// <c>GET /api/audit</c> (and <c>/api/audit/</c>), superadmin: newest first, bare JSON array of
/// <c>{id, ts, actor, role, ip, method, path, action, payload}</c>. <c>limit</c> default 200, clamped 1..500
/// (non-integer → 200); <c>offset</c> min 0 (non-integer → 0); <c>action</c> and <c>actor</c> are exact filters
/// (blank = none). The number of matching rows is in <c>X-Total-Count</c>; the body stays a bare array for
/// existing clients. The hash chain lives in its own columns and is not part of <c>payload</c>.
/// </summary>
internal sealed class ReadAuditLogEndpoint : ICarterModule
{
    public const string TotalCountHeader = "X-Total-Count";

    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapGet("/api/audit", async (HttpContext context, ISender sender, CancellationToken cancellationToken) =>
            {
                var query = context.Request.Query;
                var page = await sender.Send(
                    new ReadAuditLogQuery(
                        Paging.ParseClamped(query["limit"], 200, 1, 500),
                        Paging.ParseOffset(query["offset"]),
                        Filter(query["action"]),
                        Filter(query["actor"])),
                    cancellationToken);
                context.Response.Headers[TotalCountHeader] = page.Total.ToString(CultureInfo.InvariantCulture);
                return Results.Json(page.Rows);
            })
            .RequireAuthorization(MapPolicies.Superadmin)
            .Produces<IReadOnlyList<AuditRowJson>>();

    private static string? Filter(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

internal sealed record ReadAuditLogQuery(int Limit, int Offset, string? Action, string? Actor) : IQuery<AuditPage>;

internal sealed record AuditPage(IReadOnlyList<AuditRowJson> Rows, int Total);

internal sealed record AuditRowJson(long Id, DateTime Ts, string Actor, string Role, string Ip, string Method, string Path, string Action, JsonElement Payload);

internal sealed class ReadAuditLogHandler(AdminDbContext db) : IQueryHandler<ReadAuditLogQuery, AuditPage>
{
    public async ValueTask<AuditPage> Handle(ReadAuditLogQuery query, CancellationToken cancellationToken)
    {
        var rows = db.Audit.AsNoTracking();
        if (query.Action is not null)
        {
            rows = rows.Where(r => r.Action == query.Action);
        }

        if (query.Actor is not null)
        {
            rows = rows.Where(r => r.Actor == query.Actor);
        }

        var total = await rows.CountAsync(cancellationToken);
        var page = await rows.OrderByDescending(r => r.Ts).ThenByDescending(r => r.Id)
            .Skip(query.Offset).Take(query.Limit)
            .ToListAsync(cancellationToken);
        return new AuditPage(
            [.. page.Select(r => new AuditRowJson(r.Id, r.Ts, r.Actor, r.Role, r.Ip, r.Method, r.Path, r.Action, Payload(r.Payload)))],
            total);
    }

    private static JsonElement Payload(string? json)
    {
        using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "{}" : json);
        return document.RootElement.Clone();
    }
}
