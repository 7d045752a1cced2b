using Carter;
using Map.Modules.Markers.Contracts;
using Map.Modules.Markers.Domain;
using Map.Modules.Markers.Infrastructure;
using Mediator;

namespace Map.Modules.Markers.Features.CancelMarkerFromBot;

/// <summary>
/// POST <c>/api/bot/markers/&lt;pid&gt;/cancel</c> (also <c>/api/bot/marker/&lt;pid&gt;/cancel</c>), bot key; optional
/// <c>user_id</c> (query, JSON or form). Only a still-pending request is cancelled, and only by its submitter when the
/// caller names one: 200 <c>{"status":"cancelled"}</c> plus history and <c>pending_cancelled</c>. Otherwise 409
/// <c>{"status":"conflict","message":"already approved","address_id":n}</c> (or <c>already rejected</c>,
/// <c>already cancelled</c>, <c>not the submitter</c>); 404 <c>{"error":"not found"}</c> for an unknown id (the
/// predecessor wrote orphan history).
/// </summary>
internal sealed class CancelMarkerFromBotEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        foreach (var path in new[] { "/api/bot/markers/{pid:int}/cancel", "/api/bot/marker/{pid:int}/cancel" })
        {
            app.MapPost(path, HandleAsync)
                .RequireAuthorization(MapPolicies.Bot)
                .AllowApiKeyInQuery()
                .CsrfExempt()
                .Produces<CancelledJson>()
                .WithFormBody<CancelMarkerBody>(required: false);
        }
    }

    private static async Task<IResult> HandleAsync(int pid, HttpContext context, ISender sender, IRateLimitGate rateLimits, CancellationToken cancellationToken)
    {
        var fields = await RequestBody.ReadAsync(context.Request, MarkerBodies.Fields, cancellationToken);
        var userId = MarkerText.NullIfEmpty(context.Request.Query["user_id"].ToString()) ?? MarkerText.NullIfEmpty(fields.Text("user_id"));
        var limit = await rateLimits.AcquireAsync(MarkersRateLimits.BotMarkerCancel, BotRateLimit.Key(context, userId), cancellationToken);
        if (!limit.Allowed)
        {
            return new RateLimitedResult(limit, detailed: false);
        }

        var outcome = await sender.Send(new CancelMarkerCommand(pid, userId), cancellationToken);
        return outcome switch
        {
            CancelOutcome.Cancelled => Results.Json(new CancelledJson("cancelled")),
            CancelOutcome.NotFound => ApiErrors.NotFound(),
            CancelOutcome.NotSubmitter => Conflict(new { status = "conflict", message = "not the submitter" }),
            CancelOutcome.AlreadyModerated { State: MarkerState.Approved } done =>
                Conflict(new { status = "conflict", message = "already approved", address_id = done.AddressId }),
            CancelOutcome.AlreadyModerated done => Conflict(new { status = "conflict", message = $"already {done.State.ToWire()}" }),
            _ => throw new InvalidOperationException("unknown outcome"),
        };
    }

    private static IResult Conflict(object body) => Results.Json(body, statusCode: StatusCodes.Status409Conflict);
}

/// <summary>The answer: <c>{status:"cancelled"}</c>.</summary>
internal sealed record CancelledJson(string Status);

internal sealed record CancelMarkerCommand(int Id, string? UserId) : ICommand<CancelOutcome>;

internal abstract record CancelOutcome
{
    internal sealed record Cancelled : CancelOutcome;

    internal sealed record NotFound : CancelOutcome;

    internal sealed record NotSubmitter : CancelOutcome;

    internal sealed record AlreadyModerated(MarkerState State, long? AddressId) : CancelOutcome;
}

internal sealed class CancelMarkerHandler(MarkersDbContext db, IEventBus events, TimeProvider clock) : ICommandHandler<CancelMarkerCommand, CancelOutcome>
{
    public async ValueTask<CancelOutcome> Handle(CancelMarkerCommand command, CancellationToken cancellationToken)
    {
        PendingMarker marker;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            var found = await db.FindForUpdateAsync(command.Id, cancellationToken);
            if (found is null)
            {
                return new CancelOutcome.NotFound();
            }

            if (command.UserId is not null && !found.WasSubmittedBy(command.UserId))
            {
                return new CancelOutcome.NotSubmitter();
            }

            if (!found.IsPending)
            {
                return new CancelOutcome.AlreadyModerated(found.State, found.AddressId);
            }

            marker = found;
            marker.Cancel(Actors.Telegram(command.UserId), "cancelled by the submitter", clock.Now());
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        await events.PublishAsync(new PendingCancelled(marker.Id, marker.ZoneId), CancellationToken.None);
        return new CancelOutcome.Cancelled();
    }
}

/// <summary>Who cancels (the Telegram user who sent the request); also accepted as the <c>user_id</c> query parameter.</summary>
internal sealed record CancelMarkerBody(string? UserId);
