using System.Security.Claims;
using System.Text.Json;
using Carter;
using Map.Modules.Admin.Contracts;
using Map.Modules.Markers.Geocoding;
using Map.Modules.Markers.Infrastructure;

namespace Map.Modules.Markers.Features.OfflineGeocode;

/// <summary>
/// GET <c>/api/offline/geocode/stream</c> (editor, at most once per 3 s per session): rebuilds the offline file from every
/// address as server-sent events <c>{"type":"progress","pct":n,"step":"i/N"}</c> then <c>{"type":"done","entries":n}</c>.
/// Stored coordinates are used as they are; an address without them is looked up online (throttled). Addresses are
/// read in pages, the file is written as it goes into a temporary file and replaces the old one only at the end.
/// It changes state, so a browser must send the <c>X-CSRF-Token</c> header although it is a GET (decision 0033).
/// </summary>
internal sealed class RebuildOfflineGeocodeEndpoint : ICarterModule
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(3);
    private const int PageSize = 1000;

    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapGet("/api/offline/geocode/stream", RebuildAsync).RequireAuthorization(MapPolicies.Editor).CsrfRequired()
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream");

    private static async Task<IResult> RebuildAsync(
        HttpContext context,
        ClaimsPrincipal user,
        MarkersDbContext db,
        OfflineGeocodeFile file,
        OnlineGeocoder online,
        SessionThrottle throttle,
        IAuditLog audit,
        CancellationToken cancellationToken)
    {
        if (throttle.TryEnter("offline.geocode_stream", user, Interval) is { } wait)
        {
            return OfflineGeocodeEndpoint.TooManyRequests(wait);
        }

        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        var total = await db.Addresses.CountAsync(cancellationToken);
        var done = 0;
        var lastPercent = -1;
        await using (var replacement = await file.BeginReplacementAsync(cancellationToken))
        {
            var afterId = 0L;
            while (true)
            {
                var page = await db.Addresses.AsNoTracking().Where(a => a.Id > afterId).OrderBy(a => a.Id).Take(PageSize)
                    .Select(a => new { a.Id, a.Fields.Name, a.Fields.Lat, a.Fields.Lon }).ToListAsync(cancellationToken);
                if (page.Count == 0)
                {
                    break;
                }

                foreach (var address in page)
                {
                    if (address.Lat is { } lat && address.Lon is { } lon)
                    {
                        await replacement.AddAsync(address.Name, lat, lon, cancellationToken);
                    }
                    else if (address.Name.Trim().Length > 0
                        && (await online.SearchAsync(address.Name.Trim(), 1, null, cancellationToken)).Select(h => h.ToPoint()).FirstOrDefault(p => p is not null) is { } found)
                    {
                        await replacement.AddAsync(address.Name, found.Lat, found.Lon, cancellationToken);
                    }

                    done++;
                    var percent = total == 0 ? 100 : (int)(done * 100L / total);
                    if (percent != lastPercent)
                    {
                        lastPercent = percent;
                        await SendAsync(context, new { type = "progress", pct = percent, step = $"{done}/{total}" }, cancellationToken);
                    }
                }

                afterId = page[^1].Id;
            }

            await replacement.CommitAsync(cancellationToken);
            await audit.RecordAsync("offline.geocode_rebuild", new { entries = replacement.Count }, cancellationToken: CancellationToken.None);
            await SendAsync(context, new { type = "done", entries = replacement.Count }, cancellationToken);
        }

        return Results.Empty;
    }

    private static async Task SendAsync(HttpContext context, object frame, CancellationToken cancellationToken)
    {
        await context.Response.WriteAsync($"data: {JsonSerializer.Serialize(frame, WireJson.Options)}\n\n", cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);
    }
}
