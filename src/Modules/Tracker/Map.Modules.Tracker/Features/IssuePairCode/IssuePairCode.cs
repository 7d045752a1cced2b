using Carter;
using Map.Modules.Admin.Contracts;
using Map.Modules.Tracker.Auth;
using Map.Modules.Tracker.Domain;
using Map.Modules.Tracker.Wire;
using Mediator;
using Npgsql;

namespace Map.Modules.Tracker.Features.IssuePairCode;

/// <summary>
/// <c>POST /api/tracker/admin/pair-code</c> (editor, CSRF): a one-time 6-digit code, shown once (only its hash is
/// stored), valid <c>TRACKER_PAIR_TTL_MIN</c>. Codes expired for a day are purged first, and a collision with a live
/// code draws again, so the 10^6 code space never fills up.
/// </summary>
internal sealed class IssuePairCodeEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPost("/api/tracker/admin/pair-code", HandleAsync).RequireAuthorization(MapPolicies.Editor).WithTrackerErrors()
            .ProducesEnvelope<IssuedPairCode>().WithRequestBody<PairCodeBody>(required: false);

    private static async Task<IResult> HandleAsync(HttpContext context, ISender sender, CancellationToken cancellationToken)
    {
        var body = await TrackerBody.ReadObjectAsync(context.Request, 64 * 1024, cancellationToken);
        var issued = await sender.Send(new IssuePairCodeCommand(body.Text("label", TrackerDevice.LabelMaxLength)), cancellationToken);
        return Envelope.Ok(issued);
    }
}

internal sealed record PairCodeBody(string? Label);

internal sealed record IssuePairCodeCommand(string? Label) : ICommand<IssuedPairCode>;

internal sealed record IssuedPairCode(string Code, int ExpiresInMin, string? Label);

internal sealed class IssuePairCodeHandler(TrackerDbContext db, TrackerOptions options, TimeProvider clock, IAuditLog audit)
    : ICommandHandler<IssuePairCodeCommand, IssuedPairCode>
{
    public async ValueTask<IssuedPairCode> Handle(IssuePairCodeCommand command, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await db.PairCodes.Where(c => c.ExpiresAt < now.AddDays(-1)).ExecuteDeleteAsync(cancellationToken);
        for (var attempt = 0; ; attempt++)
        {
            var code = TrackerPairCode.NewCode();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            db.PairCodes.Add(new TrackerPairCode
            {
                CodeHash = TrackerPairCode.Hash(code),
                CreatedAt = now,
                ExpiresAt = now + options.PairCodeTtl,
                Label = command.Label,
            });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                await audit.RecordAsync(db.Database, "tracker.ISSUE_PAIR_CODE", new { label = command.Label }, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                return new IssuedPairCode(code, (int)options.PairCodeTtl.TotalMinutes, command.Label);
            }
            catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } && attempt < 20)
            {
                await transaction.RollbackAsync(cancellationToken);
                db.ChangeTracker.Clear();
            }
        }
    }
}
