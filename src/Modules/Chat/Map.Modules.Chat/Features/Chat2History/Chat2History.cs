using Carter;
using FluentValidation;
using Map.Modules.Chat.EventChat;
using Mediator;

namespace Map.Modules.Chat.Features.Chat2History;

/// <summary>
/// Reading a channel (ID2 + membership), ordered by the channel's sequence, not by timestamps (decision 0110):
/// <c>GET /api/chat2/history?channel_id&amp;before_id&amp;limit</c> newest first (50, at most 500);
/// <c>GET /api/chat2/sync?channel_id&amp;after_id&amp;limit</c> oldest first (200, at most 1000);
/// <c>GET /api/chat2/search?channel_id&amp;query&amp;limit</c> oldest first (50, at most 200). A cursor that is not a
/// message of this channel is 400 (chat spec §9.11).
/// </summary>
internal sealed class Chat2HistoryEndpoints : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        app.MapGet(Chat2Http.Prefix + "/history", async (HttpContext context, ISender sender, CancellationToken cancellationToken) =>
        {
            var caller = await Chat2Identity.ResolveAsync(context);
            var q = context.Request.Query;
            return Results.Json(await sender.Send(
                new Chat2ReadQuery(caller, q["channel_id"].ToString().Trim(), Chat2Direction.Backward, q["before_id"].ToString().Trim(), null, Chat2Http.Limit(q["limit"], 50, 500)),
                cancellationToken));
        }).AdminOrDevice().Produces<IReadOnlyList<Msg2>>();

        app.MapGet(Chat2Http.Prefix + "/sync", async (HttpContext context, ISender sender, CancellationToken cancellationToken) =>
        {
            var caller = await Chat2Identity.ResolveAsync(context);
            var q = context.Request.Query;
            return Results.Json(await sender.Send(
                new Chat2ReadQuery(caller, q["channel_id"].ToString().Trim(), Chat2Direction.Forward, q["after_id"].ToString().Trim(), null, Chat2Http.Limit(q["limit"], 200, 1000)),
                cancellationToken));
        }).AdminOrDevice().Produces<IReadOnlyList<Msg2>>();

        app.MapGet(Chat2Http.Prefix + "/search", async (HttpContext context, ISender sender, CancellationToken cancellationToken) =>
        {
            var caller = await Chat2Identity.ResolveAsync(context);
            var q = context.Request.Query;
            return Results.Json(await sender.Send(
                new Chat2ReadQuery(caller, q["channel_id"].ToString().Trim(), Chat2Direction.Forward, null, q["query"].ToString().Trim(), Chat2Http.Limit(q["limit"], 50, 200)),
                cancellationToken));
        }).AdminOrDevice().Produces<IReadOnlyList<Msg2>>();
    }
}

internal enum Chat2Direction
{
    Forward,
    Backward,
}

internal sealed record Chat2ReadQuery(Chat2Caller Caller, string ChannelId, Chat2Direction Direction, string? Cursor, string? Search, int Limit) : IQuery<IReadOnlyList<Msg2>>;

internal sealed class Chat2ReadValidator : AbstractValidator<Chat2ReadQuery>
{
    public Chat2ReadValidator()
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleFor(q => q.ChannelId).NotEmpty().WithMessage("channel_id is required");
        RuleFor(q => q.Search).NotEmpty().When(q => q.Search is not null).WithMessage("query is required")
            .MaximumLength(Chat2Limits.SearchMaxLength).WithMessage($"query is too long (at most {Chat2Limits.SearchMaxLength} characters)");
    }
}

internal sealed class Chat2ReadHandler(ChatDbContext db, Chat2Access access) : IQueryHandler<Chat2ReadQuery, IReadOnlyList<Msg2>>
{
    public async ValueTask<IReadOnlyList<Msg2>> Handle(Chat2ReadQuery query, CancellationToken cancellationToken)
    {
        var channel = await access.RequireAsync(query.ChannelId, query.Caller, cancellationToken);
        var messages = db.Messages2.AsNoTracking().Where(m => m.ChannelId == channel.Id);
        if (!string.IsNullOrEmpty(query.Cursor))
        {
            var cursor = await access.MessageAsync(channel.Id, query.Cursor, cancellationToken)
                ?? throw DomainException.Invalid(query.Direction == Chat2Direction.Forward
                    ? "after_id is not a message of this channel"
                    : "before_id is not a message of this channel");
            messages = query.Direction == Chat2Direction.Forward
                ? messages.Where(m => m.Seq > cursor.Seq)
                : messages.Where(m => m.Seq < cursor.Seq);
        }

        if (query.Search is { } search)
        {
            var pattern = "%" + search.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
            messages = messages.Where(m => m.Text != null && EF.Functions.ILike(m.Text, pattern, "\\"));
        }

        messages = query.Direction == Chat2Direction.Forward ? messages.OrderBy(m => m.Seq) : messages.OrderByDescending(m => m.Seq);
        var rows = await messages.Take(query.Limit).ToListAsync(cancellationToken);
        return [.. rows.Select(Msg2.From)];
    }
}
