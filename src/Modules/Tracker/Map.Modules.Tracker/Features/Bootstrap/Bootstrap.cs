using Carter;
using Map.Modules.Tracker.Domain;
using Map.Modules.Tracker.Onboarding;
using Map.Modules.Tracker.Wire;
using Mediator;

namespace Map.Modules.Tracker.Features.Bootstrap;

/// <summary>
/// <c>POST /api/mobile/bootstrap/request</c> (bot key; with an allow-list, <c>X-Telegram-Id</c>/<c>?tg_id=</c> must be
/// in it, else 403 <c>not_allowed</c>): a bootstrap token and its pair code, shown once. <c>GET
/// /api/mobile/bootstrap/config?token=</c> (the token itself): consumes the token by a conditional update — of two
/// concurrent calls exactly one gets 200 — and answers base URL, pair code, label and Telegram id; 400
/// <c>token_required</c>, 404 <c>token_not_found</c>, 409 <c>token_used</c>, 410 <c>token_expired</c>.
/// </summary>
internal sealed class BootstrapEndpoints : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/mobile/bootstrap/request", async (HttpContext context, TrackerOptions options, ISender sender, CancellationToken ct) =>
        {
            var body = await RequestBody.ReadAsync(context.Request, BodyRules.LenientJson, ct);
            if (options.BootstrapAllowedTelegramIds.Count > 0)
            {
                var caller = context.Request.Headers[OnboardingInput.TelegramIdHeader].ToString().Trim() is { Length: > 0 } header ? header : context.Request.Query["tg_id"].ToString().Trim();
                if (!options.BootstrapAllowedTelegramIds.Contains(caller))
                {
                    throw new DomainException(DomainErrorKind.Forbidden, "not_allowed");
                }
            }

            var tgUserId = OnboardingInput.TelegramId(context.Request, body);
            var command = new RequestBootstrapCommand(
                tgUserId is null ? null : OnboardingInput.PhoneOwnerId(tgUserId),
                body.Text("label"),
                OnboardingInput.BaseUrl(body.Text("base_url")));
            return Envelope.Ok(await sender.Send(command, ct));
        }).RequireAuthorization(MapPolicies.Bot).CsrfExempt().WithOnboardingEnvelope()
            .ProducesEnvelope<BootstrapIssuedView>().WithRequestBody<BootstrapRequestBody>(required: false);

        app.MapGet("/api/mobile/bootstrap/config", async (HttpContext context, ISender sender, CancellationToken ct) =>
            Envelope.Ok(await sender.Send(new BootstrapConfigCommand(context.Request.Query["token"].ToString().Trim(), OnboardingInput.RequestRoot(context.Request)), ct)))
            .AllowAnonymous().WithOnboardingEnvelope().ProducesEnvelope<BootstrapConfigView>();
    }
}

/// <summary>Who asks for a bootstrap link (the Telegram id may also come as a query parameter).</summary>
internal sealed record BootstrapRequestBody(string? TgUserId, string? Label, string? BaseUrl);

internal sealed record RequestBootstrapCommand(string? TgUserId, string? Label, string? BaseUrl) : ICommand<BootstrapIssuedView>;

internal sealed record BootstrapIssuedView(string Token, int ExpiresInMin, string? BaseUrl, string PairCode, string? Label, string? TgUserId);

internal sealed record BootstrapConfigCommand(string Token, string RequestRoot) : ICommand<BootstrapConfigView>;

internal sealed record BootstrapConfigView(string BaseUrl, string PairCode, string? Label, string? TgUserId);

internal sealed class BootstrapHandlers(TrackerDbContext db, BootstrapIssuer issuer, TimeProvider clock) :
    ICommandHandler<RequestBootstrapCommand, BootstrapIssuedView>,
    ICommandHandler<BootstrapConfigCommand, BootstrapConfigView>
{
    public async ValueTask<BootstrapIssuedView> Handle(RequestBootstrapCommand command, CancellationToken cancellationToken)
    {
        if (command.Label is { Length: > TrackerDevice.LabelMaxLength })
        {
            throw DomainException.Invalid("label_too_long");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var label = string.IsNullOrWhiteSpace(command.Label) ? null : command.Label.Trim();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var issued = await issuer.IssueAsync(command.TgUserId, label, command.BaseUrl, now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new BootstrapIssuedView(issued.Token, issued.ExpiresInMin, issued.BaseUrl, issued.PairCode, issued.Label, command.TgUserId);
    }

    public async ValueTask<BootstrapConfigView> Handle(BootstrapConfigCommand command, CancellationToken cancellationToken)
    {
        if (command.Token.Length == 0)
        {
            throw DomainException.Invalid("token_required");
        }

        var hash = BootstrapToken.Hash(command.Token);
        var now = clock.GetUtcNow().UtcDateTime;
        // Single use: only the call whose conditional update changes the row wins; a concurrent one sees it used.
        var consumed = await db.BootstrapTokens
            .Where(t => t.TokenHash == hash && t.UsedAt == null && t.RevokedAt == null && t.ExpiresAt > now)
            .ExecuteUpdateAsync(t => t.SetProperty(x => x.UsedAt, now), cancellationToken);
        var row = await db.BootstrapTokens.AsNoTracking().FirstOrDefaultAsync(t => t.TokenHash == hash, cancellationToken);
        if (consumed == 0)
        {
            throw row switch
            {
                null => DomainException.NotFound("token_not_found"),
                { UsedAt: not null } => DomainException.Conflict("token_used"),
                _ => DomainException.Gone("token_expired"),
            };
        }

        return new BootstrapConfigView(row!.BaseUrl ?? command.RequestRoot, BootstrapToken.PairCodeFor(command.Token), row.Label, row.TgUserId);
    }
}
