using Map.Modules.Tracker.Domain;

namespace Map.Modules.Tracker.Onboarding;

/// <summary>A service-access row on the wire (admin-platform spec §2).</summary>
internal sealed record ServiceAccessView(int Id, string TgUserId, string Status, DateTime? RequestedAt, DateTime? DecidedAt, string? DecidedBy, string? Note, DateTime UpdatedAt)
{
    public static ServiceAccessView From(ServiceAccess row) =>
        new(row.Id, row.TgUserId, row.EffectiveStatus, row.RequestedAt, row.DecidedAt, row.DecidedBy, row.Note, row.UpdatedAt);
}

/// <summary>
/// A phone-connect request on the wire (tracker spec §3.4): the row, the state of its last token
/// (<c>used|expired|active|missing</c>), the officer's service status, and the send result. No token or code.
/// </summary>
internal sealed record ConnectRequestView(
    int Id,
    string TgUserId,
    string Status,
    string? Note,
    string? BaseUrl,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    DateTime? ApprovedAt,
    DateTime? DeniedAt,
    string? DecidedBy,
    DateTime? LastIssuedAt,
    DateTime? LastSentAt,
    string? LastSentVia,
    bool? SendOk,
    string? LastSendError,
    string LastTokenState,
    DateTime? LastTokenUsedAt,
    DateTime? LastTokenExpiresAt,
    string ServiceStatus);

internal static class OnboardingViews
{
    public static async Task<List<ConnectRequestView>> ViewsAsync(this TrackerDbContext db, IReadOnlyList<ConnectRequest> rows, DateTime now, CancellationToken cancellationToken)
    {
        var tokenIds = rows.Where(r => r.LastTokenId is not null).Select(r => r.LastTokenId!.Value).ToList();
        var tokens = await db.BootstrapTokens.AsNoTracking().Where(t => tokenIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, cancellationToken);
        var ids = rows.Select(r => r.TgUserId).ToList();
        var statuses = await db.ServiceAccessRows.AsNoTracking().Where(a => ids.Contains(a.TgUserId)).ToListAsync(cancellationToken);
        var statusOf = statuses.ToDictionary(a => a.TgUserId, a => a.EffectiveStatus);
        return [.. rows.Select(r =>
        {
            var token = r.LastTokenId is { } id ? tokens.GetValueOrDefault(id) : null;
            return new ConnectRequestView(
                r.Id, r.TgUserId, r.Status, r.Note, r.BaseUrl, r.CreatedAt, r.UpdatedAt, r.ApprovedAt, r.DeniedAt, r.DecidedBy,
                r.LastIssuedAt, r.LastSentAt, r.LastSentVia, r.SendOk, r.LastSendError,
                token?.State(now) ?? "missing", token?.UsedAt, token?.ExpiresAt,
                statusOf.GetValueOrDefault(r.TgUserId, ServiceAccess.Guest));
        })];
    }

    public static async Task<ConnectRequestView> ViewAsync(this TrackerDbContext db, ConnectRequest row, DateTime now, CancellationToken cancellationToken) =>
        (await db.ViewsAsync([row], now, cancellationToken))[0];

    /// <summary>Locks the officer's request row (or null) for the rest of the transaction: decisions on one request are serialised.</summary>
    public static Task<ConnectRequest?> LockRequestAsync(this TrackerDbContext db, string tgUserId, CancellationToken cancellationToken) =>
        db.ConnectRequests.FromSql($"SELECT * FROM tracker.tracker_connect_requests WHERE tg_user_id = {tgUserId} FOR UPDATE").FirstOrDefaultAsync(cancellationToken);

    public static Task<ServiceAccess?> LockAccessAsync(this TrackerDbContext db, string tgUserId, CancellationToken cancellationToken) =>
        db.ServiceAccessRows.FromSql($"SELECT * FROM tracker.service_access WHERE tg_user_id = {tgUserId} FOR UPDATE").FirstOrDefaultAsync(cancellationToken);
}
