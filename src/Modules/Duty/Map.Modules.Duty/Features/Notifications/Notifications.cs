using System.Globalization;
using System.Text.Json;
using Carter;
using FluentValidation;
using Map.Modules.Duty.Bot;
using Map.Modules.Duty.Wire;
using Mediator;

namespace Map.Modules.Duty.Features.Notifications;

/// <summary>
/// The officer notification outbox as the bot drains it (duty spec §3.2; bot key, not rate-limited):
/// <c>GET /api/duty/notify_targets</c>, <c>GET /api/duty/{user_id}/pending</c> (20 oldest unacked) and
/// <c>POST /api/duty/{user_id}/ack</c> with explicit ids (decision 0082). A notification stays pending until acked, so
/// nothing created is lost; acking the same ids again acks nothing more.
/// </summary>
internal sealed class NotificationEndpoints : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/duty/notify_targets", async (ISender sender, CancellationToken ct) => Results.Json(await sender.Send(new NotifyTargetsQuery(), ct)))
            .BotOnly()
            .Produces<IReadOnlyList<NotifyTarget>>();

        app.MapGet("/api/duty/{userId}/pending", async (string userId, ISender sender, CancellationToken ct) =>
            Results.Json(await sender.Send(new PendingQuery(userId.Trim()), ct)))
            .BotOnly()
            .Produces<IReadOnlyList<NotificationView>>();

        app.MapPost("/api/duty/{userId}/ack", async (string userId, HttpContext context, ISender sender, CancellationToken ct) =>
        {
            var body = await RequestBody.ReadAsync(context.Request, BodyRules.LenientJson, ct);
            var (ids, valid) = ReadIds(body);
            return Results.Json(await sender.Send(new AckCommand(userId.Trim(), ids, valid), ct));
        }).BotOnly().Produces<AckedJson>().WithRequestBody<NotificationAckBody>();
    }

    /// <summary><c>ids</c>: a non-empty array of positive integers (numbers or digit strings); anything else is invalid.</summary>
    private static (IReadOnlyList<long> Ids, bool Valid) ReadIds(RequestBody body)
    {
        if (body.Json("ids") is not { ValueKind: JsonValueKind.Array } array)
        {
            return ([], body.Json("ids") is null or { ValueKind: JsonValueKind.Null });
        }

        var ids = new List<long>();
        foreach (var item in array.EnumerateArray())
        {
            long id = 0;
            var ok = item.ValueKind switch
            {
                JsonValueKind.Number => item.TryGetInt64(out id),
                JsonValueKind.String => item.GetString() is { Length: > 0 and <= 18 } s && s.All(char.IsAsciiDigit) && long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out id),
                _ => false,
            };
            if (!ok || id <= 0)
            {
                return ([], false);
            }

            ids.Add(id);
        }

        return (ids.Distinct().ToList(), true);
    }
}

internal sealed record NotifyTarget(string UserId, int Count);

internal sealed record NotifyTargetsQuery : IQuery<IReadOnlyList<NotifyTarget>>;

internal sealed class NotifyTargetsHandler(DutyDbContext db) : IQueryHandler<NotifyTargetsQuery, IReadOnlyList<NotifyTarget>>
{
    public async ValueTask<IReadOnlyList<NotifyTarget>> Handle(NotifyTargetsQuery query, CancellationToken cancellationToken) =>
        await db.Notifications.AsNoTracking()
            .Where(n => !n.Acked)
            .GroupBy(n => n.UserId)
            .Select(g => new { UserId = g.Key, Count = g.Count(), Oldest = g.Min(n => n.Id) })
            .OrderBy(g => g.Oldest)
            .Select(g => new NotifyTarget(g.UserId, g.Count))
            .ToListAsync(cancellationToken);
}

internal sealed record PendingQuery(string UserId) : IQuery<IReadOnlyList<NotificationView>>;

internal sealed class PendingHandler(DutyDbContext db) : IQueryHandler<PendingQuery, IReadOnlyList<NotificationView>>
{
    public const int Limit = 20;

    public async ValueTask<IReadOnlyList<NotificationView>> Handle(PendingQuery query, CancellationToken cancellationToken)
    {
        var rows = await db.Notifications.AsNoTracking()
            .Where(n => n.UserId == query.UserId && !n.Acked)
            .OrderBy(n => n.Id)
            .Take(Limit)
            .ToListAsync(cancellationToken);
        return [.. rows.Select(NotificationView.From)];
    }
}

internal sealed record AckCommand(string UserId, IReadOnlyList<long> Ids, bool IdsValid) : ICommand<AckedJson>;

/// <summary>The answer: <c>{ok:true, acked}</c>, how many of the ids were still unacknowledged.</summary>
internal sealed record AckedJson(bool Ok, int Acked);

internal sealed class AckValidator : AbstractValidator<AckCommand>
{
    public AckValidator()
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleFor(c => c.IdsValid).Equal(true).WithMessage("ids must be a list of notification ids");
        RuleFor(c => c.Ids).NotEmpty().WithMessage("ids required").Must(ids => ids.Count <= 500).WithMessage("ids may hold at most 500 ids");
    }
}

internal sealed class AckHandler(DutyDbContext db, TimeProvider clock) : ICommandHandler<AckCommand, AckedJson>
{
    public async ValueTask<AckedJson> Handle(AckCommand command, CancellationToken cancellationToken)
    {
        var now = clock.Now();
        var ids = command.Ids.ToArray();
        var acked = await db.Notifications
            .Where(n => n.UserId == command.UserId && !n.Acked && ids.Contains(n.Id))
            .ExecuteUpdateAsync(n => n.SetProperty(x => x.Acked, true).SetProperty(x => x.AckedAt, now), cancellationToken);
        return new AckedJson(Ok: true, acked);
    }
}

/// <summary>The notifications delivered: their ids (positive integers, numbers or digit strings).</summary>
internal sealed record NotificationAckBody(IReadOnlyList<long> Ids);
