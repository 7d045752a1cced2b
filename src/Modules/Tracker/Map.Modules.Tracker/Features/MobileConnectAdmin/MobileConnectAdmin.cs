using Carter;
using Map.Modules.Admin.Contracts;
using Map.Modules.Tracker.Domain;
using Map.Modules.Tracker.Onboarding;
using Map.Modules.Tracker.Wire;
using Mediator;

namespace Map.Modules.Tracker.Features.MobileConnectAdmin;

/// <summary>
/// Editors decide phone requests (tracker spec §3.4, bare JSON, CSRF): <c>GET …/admin/pending</c> (≤200, oldest
/// first), <c>…/admin/pending_count</c>, <c>…/admin/requests</c> (all, newest change first, for the service page),
/// <c>POST …/admin/approve</c> (fresh code, earlier ones revoked; the Telegram message with the button goes through
/// the outbox, so <c>send_ok</c> is null until it is sent), <c>…/admin/deny</c>, <c>…/admin/reset</c>. Audited as
/// <c>mobile_connect.approve|deny|reset</c>. 400 <c>missing_tg_user_id</c> / <c>invalid_base_url</c>, 404
/// <c>no_request</c>, 409 <c>request_denied</c>.
/// </summary>
internal sealed class MobileConnectAdminEndpoints : ICarterModule
{
    private const string Prefix = "/api/mobile/connect/admin";

    public void AddRoutes(IEndpointRouteBuilder app)
    {
        app.MapGet(Prefix + "/pending", async (ISender sender, CancellationToken ct) => Results.Json(await sender.Send(new ConnectListQuery(PendingOnly: true), ct)))
            .RequireAuthorization(MapPolicies.Editor).Produces<List<ConnectRequestView>>();
        app.MapGet(Prefix + "/requests", async (ISender sender, CancellationToken ct) => Results.Json(await sender.Send(new ConnectListQuery(PendingOnly: false), ct)))
            .RequireAuthorization(MapPolicies.Editor).Produces<List<ConnectRequestView>>();
        app.MapGet(Prefix + "/pending_count", async (TrackerDbContext db, CancellationToken ct) =>
            Results.Json(new CountJson(await db.ConnectRequests.CountAsync(r => r.Status == ConnectRequest.Pending, ct)))).RequireAuthorization(MapPolicies.Editor).Produces<CountJson>();

        foreach (var action in (string[])["approve", "deny", "reset"])
        {
            app.MapPost($"{Prefix}/{action}", async (HttpContext context, TrackerOptions options, ISender sender, CancellationToken ct) =>
            {
                var body = await RequestBody.ReadAsync(context.Request, BodyRules.LenientJson, ct);
                var tgUserId = OnboardingInput.PhoneOwnerId(body.Text("tg_user_id") is { } id && !string.IsNullOrWhiteSpace(id) ? id.Trim() : null);
                var baseUrl = action == "approve"
                    ? OnboardingInput.BaseUrl(body.Text("base_url")) ?? options.PreferredBaseUrl ?? OnboardingInput.RequestRoot(context.Request)
                    : null;
                var command = new DecideConnectCommand(action, tgUserId, baseUrl, OnboardingInput.Note(body.Text("note")), context.User.Identity?.Name ?? "admin");
                return Results.Json(await sender.Send(command, ct));
            }).RequireAuthorization(MapPolicies.Editor).Produces<ConnectDecision>().WithRequestBody<ConnectDecisionBody>();
        }
    }
}

/// <summary>An admin's decision on a phone's connect request (<c>base_url</c> only for approve).</summary>
internal sealed record ConnectDecisionBody(string TgUserId, string? BaseUrl, string? Note);

internal sealed record ConnectListQuery(bool PendingOnly) : IQuery<List<ConnectRequestView>>;

internal sealed record DecideConnectCommand(string Action, string TgUserId, string? BaseUrl, string? Note, string Actor) : ICommand<ConnectDecision>;

internal sealed record SendPayload(string ChatId, bool Queued);

internal sealed record ConnectDecision(bool Ok, string Status, bool? SendOk, SendPayload? SendPayload, string? SendError, ConnectRequestView? Request);

internal sealed class MobileConnectAdminHandlers(TrackerDbContext db, TrackerOptions options, BootstrapIssuer issuer, IOutbox outbox, IAuditLog audit, TimeProvider clock) :
    IQueryHandler<ConnectListQuery, List<ConnectRequestView>>,
    ICommandHandler<DecideConnectCommand, ConnectDecision>
{
    public async ValueTask<List<ConnectRequestView>> Handle(ConnectListQuery query, CancellationToken cancellationToken)
    {
        var rows = query.PendingOnly
            ? await db.ConnectRequests.AsNoTracking().Where(r => r.Status == ConnectRequest.Pending).OrderBy(r => r.UpdatedAt).ThenBy(r => r.Id).Take(200).ToListAsync(cancellationToken)
            : await db.ConnectRequests.AsNoTracking().OrderByDescending(r => r.UpdatedAt).ThenByDescending(r => r.Id).Take(200).ToListAsync(cancellationToken);
        return await db.ViewsAsync(rows, clock.GetUtcNow().UtcDateTime, cancellationToken);
    }

    public async ValueTask<ConnectDecision> Handle(DecideConnectCommand command, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // The row lock serialises decisions on one request: concurrent approvals queue one message each, and only the
        // newest (IssueSeq) is delivered, so one code is issued.
        var row = await db.LockRequestAsync(command.TgUserId, cancellationToken);
        if (row is null)
        {
            return command.Action == "reset" ? new ConnectDecision(true, "none", null, null, null, null) : throw DomainException.NotFound("no_request");
        }

        bool? sendOk = null;
        SendPayload? payload = null;
        string? sendError = null;
        switch (command.Action)
        {
            case "approve":
                row.Approve(command.Actor, command.BaseUrl!, command.Note, now);
                await issuer.RevokeAsync(row.TgUserId, now, cancellationToken);
                if (options.MobileConnectAutoSend && options.TelegramBotToken.Length > 0)
                {
                    await db.SaveChangesAsync(cancellationToken);
                    await outbox.AddAsync(db.Database, new ConnectLinkMessage(row.Id, row.TgUserId, row.IssueSeq).ToOutbox(), cancellationToken);
                    payload = new SendPayload(row.TgUserId, Queued: true);
                }
                else
                {
                    sendError = options.MobileConnectAutoSend ? "TELEGRAM_BOT_TOKEN is not set" : "auto-send is off (MOBILE_CONNECT_AUTO_SEND)";
                    row.SendOk = false;
                    row.LastSendError = sendError;
                    sendOk = false;
                }

                break;
            case "deny":
                row.Deny(command.Actor, now);
                await issuer.RevokeAsync(row.TgUserId, now, cancellationToken);
                break;
            default:
                row.Reset(now);
                await issuer.RevokeAsync(row.TgUserId, now, cancellationToken);
                break;
        }

        await db.SaveChangesAsync(cancellationToken);
        object auditPayload = command.Action == "approve"
            ? new { tg_user_id = row.TgUserId, base_url = row.BaseUrl, send_ok = sendOk, queued = payload is not null, note = command.Note }
            : new { tg_user_id = row.TgUserId, note = command.Note };
        await audit.RecordAsync(db.Database, "mobile_connect." + command.Action, auditPayload, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new ConnectDecision(true, row.Status, sendOk, payload, sendError, await db.ViewAsync(row, now, cancellationToken));
    }
}
