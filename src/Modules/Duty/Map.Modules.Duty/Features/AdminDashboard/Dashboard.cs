using Carter;
using Map.Modules.Duty.Admin;
using Map.Modules.Duty.Contracts;
using Map.Modules.Duty.Domain;
using Map.Modules.Duty.Tracks;
using Map.Modules.Duty.Wire;
using Map.Modules.Tracker.Contracts;
using Mediator;
using Microsoft.AspNetCore.Mvc;

namespace Map.Modules.Duty.Features.AdminDashboard;

/// <summary>
/// <c>GET /api/duty/admin/dashboard</c> and <c>GET /api/duty/admin/shift/{id}/detail</c> (duty spec §3.3; viewer reads,
/// decision 0083). The dashboard costs one query per section — shifts, breaks, SOS (+ true count), and the Tracker's
/// four batched reads — whatever the number of active shifts.
/// </summary>
internal sealed class DashboardEndpoints : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/duty/admin/dashboard", async (ISender sender, CancellationToken ct) => Results.Json(await sender.Send(new DashboardQuery(), ct)))
            .RequireAuthorization(MapPolicies.Viewer)
            .Produces<DashboardView>();

        app.MapGet("/api/duty/admin/shift/{shiftId:int}/detail", async (int shiftId, int? limit, [FromQuery(Name = "before_id")] long? beforeId, ISender sender, CancellationToken ct) =>
            Results.Json(await sender.Send(new ShiftDetailQuery(shiftId, Math.Clamp(limit ?? 200, 1, 500), beforeId), ct)))
            .RequireAuthorization(MapPolicies.Viewer)
            .Produces<ShiftDetailJson>()
            .WithErrorStatuses(StatusCodes.Status404NotFound);
    }
}

internal sealed record UnitView(
    int ShiftId, string UserId, string? UnitLabel, DateTime StartedAt, LastView? Last, bool TrackingActive, BreakView? Break,
    DeviceHealthData? Health, long? HealthAgeSec, DeviceStatusView DeviceStatus, [property: System.Text.Json.Serialization.JsonPropertyName("kpi_5m")] KpiView? Kpi5m);

internal sealed record DashboardView(DateTime ServerTime, IReadOnlyList<UnitView> ActiveShifts, IReadOnlyList<BreakView> Breaks, IReadOnlyList<SosAlertData> SosActive, int SosActiveCount);

internal sealed record DashboardQuery : IQuery<DashboardView>;

internal sealed class DashboardHandler(DutyDbContext db, IBotTracking tracking, DutyOptions options, TimeProvider clock) : IQueryHandler<DashboardQuery, DashboardView>
{
    public const int SosLimit = 50;

    public async ValueTask<DashboardView> Handle(DashboardQuery query, CancellationToken cancellationToken)
    {
        var now = clock.Now();
        // Only the columns a unit card shows, not whole shifts.
        var shifts = await db.Shifts.AsNoTracking().Where(s => s.EndedAt == null).OrderByDescending(s => s.StartedAt)
            .Select(s => new UnitShift(s.Id, s.UserId, s.UnitLabel, s.StartedAt))
            .ToListAsync(cancellationToken);
        var breaks = await db.Breaks.AsNoTracking()
            .Where(b => b.Status == BreakRequest.Requested || b.Status == BreakRequest.Started)
            .OrderByDescending(b => b.RequestedAt).ThenByDescending(b => b.Id)
            .ToListAsync(cancellationToken);
        var sos = await db.SosAlerts.AsNoTracking()
            .Where(s => s.Status == SosAlert.Open || s.Status == SosAlert.Acked)
            .OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.Id)
            .Take(SosLimit)
            .ToListAsync(cancellationToken);
        var sosCount = sos.Count < SosLimit ? sos.Count : await db.SosAlerts.CountAsync(s => s.Status == SosAlert.Open || s.Status == SosAlert.Acked, cancellationToken);
        var users = shifts.Select(s => s.UserId).ToList();
        var tracked = await tracking.GetUserTrackingAsync(users, now, cancellationToken);
        var newestBreak = breaks.GroupBy(b => b.UserId).ToDictionary(g => g.Key, g => g.First());
        var units = shifts.Select(s => Units.Build(s, tracked.GetValueOrDefault(s.UserId), newestBreak.GetValueOrDefault(s.UserId), now, options)).ToList();
        return new DashboardView(now, units, [.. breaks.Select(BreakView.From)], [.. sos.Select(s => s.ToData())], sosCount);
    }
}

/// <summary>What a unit card shows of its shift.</summary>
internal sealed record UnitShift(int Id, string UserId, string? UnitLabel, DateTime StartedAt)
{
    public static UnitShift From(DutyShift shift) => new(shift.Id, shift.UserId, shift.UnitLabel, shift.StartedAt);
}

internal static class Units
{
    public static UnitView Build(UnitShift shift, UserTracking? tracking, BreakRequest? pendingBreak, DateTime now, DutyOptions options)
    {
        var last = UnitStatus.Last(tracking, now, options);
        var health = tracking?.Health;
        var status = UnitStatus.DeviceStatus(last?.Ts, tracking?.DeviceLastSeenAt, health?.UpdatedAt, now, options);
        var kpi = tracking?.Kpi5m is { } k ? new KpiView(k.Points5m, k.AccAvg5m, k.Jumps5m) : null;
        return new UnitView(
            shift.Id, shift.UserId, shift.UnitLabel, shift.StartedAt, last,
            tracking?.OpenSession is not null, pendingBreak is null ? null : BreakView.From(pendingBreak),
            health, health?.UpdatedAt is { } at ? (long)(now - at).TotalSeconds : null, status, kpi);
    }
}

internal sealed record ShiftDetailQuery(int ShiftId, int Limit, long? BeforeId) : IQuery<ShiftDetailJson>;

internal sealed class ShiftDetailHandler(DutyDbContext db, IBotTracking tracking, DutyOptions options, TrackSnapshots snapshots, TimeProvider clock) : IQueryHandler<ShiftDetailQuery, ShiftDetailJson>
{
    public const int SessionLimit = 15;

    public async ValueTask<ShiftDetailJson> Handle(ShiftDetailQuery query, CancellationToken cancellationToken)
    {
        var now = clock.Now();
        var shift = await db.Shifts.AsNoTracking().FirstOrDefaultAsync(s => s.Id == query.ShiftId, cancellationToken) ?? throw DomainException.NotFound();
        var sessions = await tracking.GetShiftSessionsAsync(shift.UserId, shift.Id, SessionLimit, cancellationToken);
        var active = shift.EndedAt is null;

        // An ended shift shows its own sessions only, never the user's current position (duty spec §9).
        var tracked = active ? (await tracking.GetUserTrackingAsync([shift.UserId], now, cancellationToken)).GetValueOrDefault(shift.UserId) : null;
        var pendingBreak = active
            ? await db.Breaks.AsNoTracking().Where(b => b.UserId == shift.UserId && (b.Status == BreakRequest.Requested || b.Status == BreakRequest.Started))
                .OrderByDescending(b => b.RequestedAt).FirstOrDefaultAsync(cancellationToken)
            : null;
        var unit = Units.Build(UnitShift.From(shift), tracked, pendingBreak, now, options);
        var last = unit.Last;
        if (!active)
        {
            last = sessions.Where(s => s.LastLat is not null && s.LastLon is not null).OrderByDescending(s => s.LastAt)
                .Select(s => new LastView(s.LastLat!.Value, s.LastLon!.Value, s.LastAt, null, s.Id, null, null, null, null)).FirstOrDefault();
        }

        var events = await db.Events.AsNoTracking()
            .Where(e => e.ShiftId == shift.Id && (query.BeforeId == null || e.Id < query.BeforeId))
            .OrderByDescending(e => e.Id)
            .Take(query.Limit)
            .ToListAsync(cancellationToken);
        var userSos = db.SosAlerts.AsNoTracking().Where(s => s.UserId == shift.UserId).OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.Id);
        var sosActive = await userSos.FirstOrDefaultAsync(s => s.Status == SosAlert.Open || s.Status == SosAlert.Acked, cancellationToken);
        var sosLast = await userSos.FirstOrDefaultAsync(cancellationToken);
        var activeSession = tracked?.OpenSession;
        return new ShiftDetailJson(
            ShiftView.From(shift),
            last is null ? null : last with { SessionId = null },
            last?.SessionId,
            last?.Ts is { } ts ? (long?)(now - ts).TotalSeconds : null,
            TrackingActive: activeSession is not null,
            activeSession is null ? null : SessionWire.From(activeSession, snapshots),
            [.. sessions.Select(s => SessionWire.From(s, snapshots))],
            [.. events.Select(EventView.From)],
            events.Count == query.Limit ? events[^1].Id : null,
            unit.Break,
            unit.Health,
            unit.HealthAgeSec,
            unit.DeviceStatus,
            unit.Kpi5m,
            sosActive?.ToData(),
            sosLast?.ToData());
    }
}

/// <summary>
/// The answer of the shift detail (duty spec §3.3): the shift, its last position (the session's id beside it), its
/// sessions and journal page (<c>events_next_before_id</c> for the next one), and the unit's live status while active.
/// </summary>
internal sealed record ShiftDetailJson(
    ShiftView Shift, LastView? Last, long? LastSessionId, long? LastAgeSec, bool TrackingActive, DutySessionView? ActiveSession,
    IReadOnlyList<DutySessionView> Sessions, IReadOnlyList<EventView> Events, long? EventsNextBeforeId, BreakView? Break,
    DeviceHealthData? Health, long? HealthAgeSec, DeviceStatusView DeviceStatus,
    [property: System.Text.Json.Serialization.JsonPropertyName("kpi_5m")] KpiView? Kpi5m, SosAlertData? SosActive, SosAlertData? SosLast);
