using System.Security.Claims;
using Map.Modules.Admin.Contracts;
using Map.Modules.Markers.Domain;

namespace Map.Modules.Markers.Infrastructure;

/// <summary>
/// Zone scoping of reads and moderation: a superadmin (and the bot, which acts for the whole system) sees every
/// zone; another admin sees zone-less items and items in their zones; anyone else sees nothing.
/// </summary>
internal static class ZoneScoping
{
    public static async Task<ZoneScope> ScopeOfAsync(this IAdminDirectory directory, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        user.IsBot() && !user.IsAdmin() ? ZoneScope.Everything : await directory.GetZoneScopeAsync(user, cancellationToken);

    public static IQueryable<Address> InScope(this IQueryable<Address> query, ZoneScope scope)
    {
        if (scope.AllZones)
        {
            return query;
        }

        var zones = scope.ZoneIds.ToArray();
        return query.Where(a => a.ZoneId == null || zones.Contains(a.ZoneId.Value));
    }

    public static IQueryable<PendingMarker> InScope(this IQueryable<PendingMarker> query, ZoneScope scope)
    {
        if (scope.AllZones)
        {
            return query;
        }

        var zones = scope.ZoneIds.ToArray();
        return query.Where(m => m.ZoneId == null || zones.Contains(m.ZoneId.Value));
    }

    /// <summary>Still-pending requests the admin may see.</summary>
    public static async Task<int> CountPendingAsync(this MarkersDbContext db, ZoneScope scope, CancellationToken cancellationToken) =>
        (int)await db.CountInScopeAsync(PendingKind, scope, cancellationToken);

    public const string PendingKind = "pending";

    public const string AddressesKind = "addresses";

    /// <summary>
    /// Exact, constant-time: the sum of <c>markers.zone_counts</c> over the zones in scope (and no zone), kept by
    /// triggers in the writing transaction (decision 0092). Unfiltered totals only: a search or a filter still counts rows.
    /// </summary>
    public static Task<long> CountInScopeAsync(this MarkersDbContext db, string kind, ZoneScope scope, CancellationToken cancellationToken)
    {
        var all = scope.AllZones;
        var zones = scope.ZoneIds.ToArray();
        return db.Database
            .SqlQuery<long>($"SELECT coalesce(sum(count), 0)::bigint AS \"Value\" FROM markers.zone_counts WHERE kind = {kind} AND ({all} OR zone_id = 0 OR zone_id = ANY({zones}))")
            .SingleAsync(cancellationToken);
    }
}
