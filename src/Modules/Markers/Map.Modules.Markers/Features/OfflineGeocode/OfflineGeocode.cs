using System.Security.Claims;
using System.Text.Json;
using Carter;
using Map.Modules.Admin.Contracts;
using Map.Modules.Markers.Geocoding;
using Map.Modules.Markers.Infrastructure;

namespace Map.Modules.Markers.Features.OfflineGeocode;

/// <summary>
/// Management of the offline geocode file (editor):
/// GET <c>/api/offline/geocode/files</c> → <c>{"files":[name],"entries":n|null,"size_bytes":n|null,"modified":ISO-8601|null}</c>;
/// GET <c>/api/offline/geocode/entries</c> → <c>{"entries":[{"id":index,"display_name","lat","lon"}]}</c>;
/// DELETE <c>/api/offline/geocode/entries/&lt;idx&gt;</c> → <c>{"status":"ok","remaining":n}</c> or 404;
/// POST <c>/api/offline/geocode:delete</c> → 204, at most once per 2 s per session (else 429
/// <c>{"error":"too many requests","retry_after":s}</c>). Deletions are audited.
/// </summary>
internal sealed class OfflineGeocodeEndpoint : ICarterModule
{
    public static readonly TimeSpan DeleteInterval = TimeSpan.FromSeconds(2);

    public void AddRoutes(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/offline/geocode/files", (OfflineGeocodeFile file) =>
            {
                var (exists, entries, size, modified) = file.Describe();
                return Results.Json(new OfflineFilesJson(exists ? [Path.GetFileName(file.Path)] : [], entries, size, modified));
            })
            .RequireAuthorization(MapPolicies.Editor)
            .Produces<OfflineFilesJson>();

        app.MapGet("/api/offline/geocode/entries", (OfflineGeocodeFile file) =>
                Results.Json(new OfflineEntriesJson(file.Entries().Select(e => new OfflineEntryView(e.Index, e.Label, e.Lat, e.Lon)))))
            .RequireAuthorization(MapPolicies.Editor)
            .Produces<OfflineEntriesJson>();

        app.MapDelete("/api/offline/geocode/entries/{index:int}", async (int index, OfflineGeocodeFile file, IAuditLog audit, CancellationToken cancellationToken) =>
            {
                if (!await file.DeleteEntryAsync(index, cancellationToken))
                {
                    return ApiErrors.NotFound();
                }

                await audit.RecordAsync("offline.geocode_delete_entry", new { index }, cancellationToken: CancellationToken.None);
                return Results.Json(new EntryDeletedJson("ok", file.Describe().Entries));
            })
            .RequireAuthorization(MapPolicies.Editor)
            .Produces<EntryDeletedJson>();

        app.MapPost("/api/offline/geocode:delete", async (ClaimsPrincipal user, OfflineGeocodeFile file, SessionThrottle throttle, IAuditLog audit, CancellationToken cancellationToken) =>
            {
                if (throttle.TryEnter("offline.geocode_delete", user, DeleteInterval) is { } wait)
                {
                    return TooManyRequests(wait);
                }

                await file.DeleteAsync(cancellationToken);
                await audit.RecordAsync("offline.geocode_delete", cancellationToken: CancellationToken.None);
                return Results.NoContent();
            })
            .RequireAuthorization(MapPolicies.Editor)
            .Produces(StatusCodes.Status204NoContent);
    }

    public static IResult TooManyRequests(int retryAfter) =>
        Results.Json(new { error = "too many requests", retry_after = retryAfter }, statusCode: StatusCodes.Status429TooManyRequests);

    private sealed record OfflineEntryView(int Id, string DisplayName, JsonElement Lat, JsonElement Lon);

    /// <summary><c>{files, entries, size_bytes, modified}</c>: the offline file, if any.</summary>
    private sealed record OfflineFilesJson(IReadOnlyList<string> Files, int? Entries, long? SizeBytes, DateTime? Modified);

    private sealed record OfflineEntriesJson(IEnumerable<OfflineEntryView> Entries);

    /// <summary><c>{status:"ok", remaining}</c>: the entries left.</summary>
    private sealed record EntryDeletedJson(string Status, int? Remaining);
}
