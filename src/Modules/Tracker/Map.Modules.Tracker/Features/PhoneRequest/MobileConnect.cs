using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Carter;
using Map.Modules.Tracker.Domain;
using Map.Modules.Tracker.Onboarding;
using Map.Modules.Tracker.Wire;
using Mediator;

namespace Map.Modules.Tracker.Features.PhoneRequest;

/// <summary>
/// The bot's side of phone onboarding (tracker spec §3.4, key in <c>X-API-KEY</c>, envelope):
/// <c>POST /api/mobile/connect/request</c> — an officer (service status officer/admin, else 403 <c>not_officer</c>)
/// asks for a phone; one row per Telegram id, a denied request reopens. <c>GET /api/mobile/connect/status?tg_user_id=&amp;issue=1</c>
/// — the request (<c>status:"none"</c> without one); with <c>issue=1</c> on an approved request of an officer, a fresh
/// token and pair code (earlier ones revoked) in <c>request.issued</c>, the only place besides Telegram they appear.
/// </summary>
internal sealed class MobileConnectEndpoints : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/mobile/connect/request", async (HttpContext context, ISender sender, CancellationToken ct) =>
        {
            var body = await RequestBody.ReadAsync(context.Request, BodyRules.LenientJson, ct);
            var command = new ConnectRequestCommand(
                OnboardingInput.PhoneOwnerId(OnboardingInput.TelegramId(context.Request, body)),
                OnboardingInput.Note(body.Text("note")),
                OnboardingInput.BaseUrl(body.Text("base_url")));
            var (status, request) = await sender.Send(command, ct);
            return Envelope.Ok(new ConnectRequestedJson(status, request));
        }).RequireAuthorization(MapPolicies.Bot).CsrfExempt().WithOnboardingEnvelope()
            .ProducesEnvelope<ConnectRequestedJson>().WithRequestBody<ConnectRequestBody>(required: false);

        app.MapGet("/api/mobile/connect/status", async (HttpContext context, ISender sender, CancellationToken ct) =>
        {
            var issue = context.Request.Query["issue"].ToString().Trim().ToLowerInvariant() is "1" or "true" or "yes";
            var query = new ConnectStatusCommand(OnboardingInput.PhoneOwnerId(OnboardingInput.TelegramId(context.Request, null)), issue, OnboardingInput.RequestRoot(context.Request));
            var view = await sender.Send(query, ct);
            if (view.Request is null)
            {
                return Envelope.Ok(new ConnectStatusJson(view.Status, null));
            }

            var request = JsonSerializer.SerializeToNode(view.Request, WireJson.Options)!.AsObject();
            if (view.Issued is not null)
            {
                request["issued"] = JsonSerializer.SerializeToNode(view.Issued, WireJson.Options);
            }

            return Envelope.Ok(new ConnectStatusJson(view.Status, request));
        }).RequireAuthorization(MapPolicies.Bot).WithOnboardingEnvelope().ProducesEnvelope<ConnectStatusJson>();
    }
}

internal sealed record ConnectRequestedJson(string Status, ConnectRequestView Request);

/// <summary>The phone owner's request status; <c>request</c> (the request view, with <c>issued</c> once a link is issued) only when there is one.</summary>
internal sealed record ConnectStatusJson(string Status, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonObject? Request);

/// <summary>The phone's connect request (the Telegram id may also come as a query parameter).</summary>
internal sealed record ConnectRequestBody(string? TgUserId, string? Note, string? BaseUrl);

internal sealed record ConnectRequestCommand(string TgUserId, string? Note, string? BaseUrl) : ICommand<(string Status, ConnectRequestView Request)>;

internal sealed record ConnectStatusCommand(string TgUserId, bool Issue, string RequestRoot) : ICommand<ConnectStatusView>;

internal sealed record IssuedView(string Token, string PairCode, string BaseUrl, int ExpiresInMin);

internal sealed record ConnectStatusView(string Status, ConnectRequestView? Request, IssuedView? Issued);

internal sealed class MobileConnectHandlers(TrackerDbContext db, BootstrapIssuer issuer, TimeProvider clock) :
    ICommandHandler<ConnectRequestCommand, (string Status, ConnectRequestView Request)>,
    ICommandHandler<ConnectStatusCommand, ConnectStatusView>
{
    public async ValueTask<(string Status, ConnectRequestView Request)> Handle(ConnectRequestCommand command, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await EnsureOfficerAsync(command.TgUserId, cancellationToken);
        await db.Database.ExecuteSqlAsync(
            $"INSERT INTO tracker.tracker_connect_requests (tg_user_id, status, created_at, updated_at, issue_seq) VALUES ({command.TgUserId}, 'pending', {now}, {now}, 0) ON CONFLICT (tg_user_id) DO NOTHING",
            cancellationToken);
        var row = (await db.LockRequestAsync(command.TgUserId, cancellationToken))!;
        row.Ask(command.Note, command.BaseUrl, now);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (row.Status, await db.ViewAsync(row, now, cancellationToken));
    }

    public async ValueTask<ConnectStatusView> Handle(ConnectStatusCommand command, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var row = await db.LockRequestAsync(command.TgUserId, cancellationToken);
        if (row is null)
        {
            return new ConnectStatusView("none", null, null);
        }

        IssuedView? issued = null;
        if (command.Issue && row.Status == ConnectRequest.Approved)
        {
            // The role is checked again: an officer whose access was revoked gets no new code.
            await EnsureOfficerAsync(command.TgUserId, cancellationToken);
            var baseUrl = row.BaseUrl ?? command.RequestRoot;
            var fresh = await issuer.IssueAsync(row.TgUserId, "TG " + row.TgUserId, baseUrl, now, cancellationToken);
            row.LastTokenId = fresh.TokenId;
            row.LastIssuedAt = now;
            row.LastSentAt = now;
            row.LastSentVia = "pull";
            row.UpdatedAt = now;
            await db.SaveChangesAsync(cancellationToken);
            issued = new IssuedView(fresh.Token, fresh.PairCode, baseUrl, fresh.ExpiresInMin);
        }

        await transaction.CommitAsync(cancellationToken);
        return new ConnectStatusView(row.Status, await db.ViewAsync(row, now, cancellationToken), issued);
    }

    private async Task EnsureOfficerAsync(string tgUserId, CancellationToken cancellationToken)
    {
        var status = await db.ServiceAccessRows.AsNoTracking().Where(a => a.TgUserId == tgUserId).Select(a => a.Status).FirstOrDefaultAsync(cancellationToken);
        if (!ServiceAccess.MayUseTracker(status))
        {
            throw new DomainException(DomainErrorKind.Forbidden, "not_officer");
        }
    }
}
