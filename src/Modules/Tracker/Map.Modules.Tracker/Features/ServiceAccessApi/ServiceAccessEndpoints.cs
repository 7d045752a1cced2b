using Carter;
using Map.Modules.Admin.Contracts;
using Map.Modules.Tracker.Onboarding;
using Map.Modules.Tracker.Wire;
using Mediator;
using AccessRow = Map.Modules.Tracker.Domain.ServiceAccess;

namespace Map.Modules.Tracker.Features.ServiceAccessApi;

/// <summary>
/// Service access ("Служба", admin-platform spec §4.8) at <c>/api/service/access</c> and the predecessor's
/// <c>/access</c>. The bot (key in <c>X-API-KEY</c>) asks and reads status; editors list and decide. One row per
/// Telegram id; guest → pending → officer/denied → guest; decisions are audited (<c>service_access.*</c>, actor, note).
/// Errors: 400 <c>missing_tg_user_id</c> / <c>invalid_tg_user_id</c> / <c>note_too_long</c>, 404 <c>no_request</c>,
/// 409 <c>not_pending</c> / <c>not_granted</c>.
/// </summary>
internal sealed class ServiceAccessEndpoints : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        foreach (var prefix in (string[])["/api/service/access", "/access"])
        {
            app.MapPost(prefix + "/request", async (HttpContext context, ISender sender, CancellationToken ct) =>
            {
                var body = await RequestBody.ReadAsync(context.Request, BodyRules.LenientJson, ct);
                return Results.Json(await sender.Send(new RequestAccessCommand(OnboardingInput.TelegramId(context.Request, body), body.Text("note")), ct));
            }).RequireAuthorization(MapPolicies.Bot).CsrfExempt().Produces<AccessStatus>().WithRequestBody<AccessRequestBody>(required: false);

            app.MapGet(prefix + "/status", async (HttpContext context, ISender sender, CancellationToken ct) =>
                Results.Json(await sender.Send(new AccessStatusQuery(OnboardingInput.TelegramId(context.Request, null)), ct)))
                .RequireAuthorization(MapPolicies.Bot).Produces<AccessStatus>();

            app.MapGet(prefix + "/admin/pending", async (ISender sender, CancellationToken ct) =>
                Results.Json(new AccessListJson(await sender.Send(new AccessListQuery(PendingOnly: true), ct)))).RequireAuthorization(MapPolicies.Editor).Produces<AccessListJson>();

            app.MapGet(prefix + "/admin/pending_count", async (TrackerDbContext db, CancellationToken ct) =>
                Results.Json(new CountJson(await db.ServiceAccessRows.CountAsync(a => a.Status == AccessRow.Pending, ct)))).RequireAuthorization(MapPolicies.Editor).Produces<CountJson>();

            app.MapGet(prefix + "/admin/users", async (ISender sender, CancellationToken ct) =>
                Results.Json(new AccessListJson(await sender.Send(new AccessListQuery(PendingOnly: false), ct)))).RequireAuthorization(MapPolicies.Editor).Produces<AccessListJson>();

            foreach (var action in (string[])["approve", "deny", "revoke"])
            {
                app.MapPost($"{prefix}/admin/{action}", async (HttpContext context, ISender sender, CancellationToken ct) =>
                {
                    var body = await RequestBody.ReadAsync(context.Request, BodyRules.LenientJson, ct);
                    return Results.Json(await sender.Send(new DecideAccessCommand(action, body.Text("tg_user_id")?.Trim(), body.Text("note"), context.User.Identity?.Name ?? "admin"), ct));
                }).RequireAuthorization(MapPolicies.Editor).Produces<ServiceAccessView>().WithRequestBody<AccessDecisionBody>();
            }
        }
    }
}

internal sealed record AccessListJson(List<ServiceAccessView> Items);

/// <summary>An officer's access request (the Telegram id may also come as a query parameter).</summary>
internal sealed record AccessRequestBody(string? TgUserId, string? Note);

internal sealed record AccessDecisionBody(string TgUserId, string? Note);

internal sealed record AccessStatus(string TgUserId, string Status);

internal sealed record RequestAccessCommand(string? TgUserId, string? Note) : ICommand<AccessStatus>;

internal sealed record AccessStatusQuery(string? TgUserId) : IQuery<AccessStatus>;

internal sealed record AccessListQuery(bool PendingOnly) : IQuery<List<ServiceAccessView>>;

internal sealed record DecideAccessCommand(string Action, string? TgUserId, string? Note, string Actor) : ICommand<ServiceAccessView>;

internal sealed class ServiceAccessHandlers(TrackerDbContext db, TimeProvider clock, IAuditLog audit) :
    ICommandHandler<RequestAccessCommand, AccessStatus>,
    IQueryHandler<AccessStatusQuery, AccessStatus>,
    IQueryHandler<AccessListQuery, List<ServiceAccessView>>,
    ICommandHandler<DecideAccessCommand, ServiceAccessView>
{
    public async ValueTask<AccessStatus> Handle(RequestAccessCommand command, CancellationToken cancellationToken)
    {
        var id = OnboardingInput.ServiceAccessId(command.TgUserId);
        var note = OnboardingInput.Note(command.Note);
        var now = clock.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // One row per Telegram id even under concurrent first requests: insert-or-nothing, then lock.
        await db.Database.ExecuteSqlAsync(
            $"INSERT INTO tracker.service_access (tg_user_id, status, updated_at) VALUES ({id}, 'guest', {now}) ON CONFLICT (tg_user_id) DO NOTHING",
            cancellationToken);
        var row = (await db.LockAccessAsync(id, cancellationToken))!;
        row.Request(note, now);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(db.Database, "service_access.request", new { tg_user_id = id, status = row.Status, note }, new AuditActor("bot", "bot"), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new AccessStatus(id, row.EffectiveStatus);
    }

    public async ValueTask<AccessStatus> Handle(AccessStatusQuery query, CancellationToken cancellationToken)
    {
        var id = OnboardingInput.ServiceAccessId(query.TgUserId);
        var row = await db.ServiceAccessRows.AsNoTracking().FirstOrDefaultAsync(a => a.TgUserId == id, cancellationToken);
        return new AccessStatus(id, row?.EffectiveStatus ?? AccessRow.Guest);
    }

    public async ValueTask<List<ServiceAccessView>> Handle(AccessListQuery query, CancellationToken cancellationToken)
    {
        var rows = query.PendingOnly
            ? await db.ServiceAccessRows.AsNoTracking().Where(a => a.Status == AccessRow.Pending)
                .OrderBy(a => a.RequestedAt == null).ThenByDescending(a => a.RequestedAt).ThenByDescending(a => a.Id).ToListAsync(cancellationToken)
            : await db.ServiceAccessRows.AsNoTracking().OrderByDescending(a => a.UpdatedAt).ThenByDescending(a => a.Id).ToListAsync(cancellationToken);
        return [.. rows.Select(ServiceAccessView.From)];
    }

    public async ValueTask<ServiceAccessView> Handle(DecideAccessCommand command, CancellationToken cancellationToken)
    {
        var id = OnboardingInput.ServiceAccessId(string.IsNullOrEmpty(command.TgUserId) ? null : command.TgUserId);
        var note = OnboardingInput.Note(command.Note);
        var now = clock.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var row = await db.LockAccessAsync(id, cancellationToken) ?? throw DomainException.NotFound("no_request");
        var before = row.EffectiveStatus;
        if (command.Action == "revoke")
        {
            row.Revoke(command.Actor, note, now);
        }
        else
        {
            row.Decide(command.Action == "approve", command.Actor, note, now);
        }

        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(db.Database, "service_access." + command.Action, new { tg_user_id = id, from = before, to = row.Status, note }, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ServiceAccessView.From(row);
    }
}
