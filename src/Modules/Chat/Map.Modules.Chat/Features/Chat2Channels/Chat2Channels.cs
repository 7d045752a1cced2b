using Carter;
using Map.Modules.Chat.EventChat;
using Mediator;

namespace Map.Modules.Chat.Features.Chat2Channels;

/// <summary>
/// The admin's channel list and unread counts (viewer): <c>GET /api/chat2/channels?limit</c> (50, at most 500) newest
/// activity first with <c>preview</c> and <c>unread</c> for the calling admin, plus <c>unread_total</c> over all
/// channels in the <c>X-Unread-Total</c> header (§9.20); <c>GET /api/chat2/unread_for_incidents?ids=</c> and
/// <c>unread_for_shifts?ids=</c> → <c>{"&lt;id&gt;": n}</c>. Unread (§4.5) = messages of others after the admin's read
/// mark, by sequence.
/// </summary>
internal sealed class Chat2ChannelsEndpoints : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        app.MapGet(Chat2Http.Prefix + "/channels", async (HttpContext context, ISender sender, CancellationToken cancellationToken) =>
        {
            var caller = Chat2Identity.RequireAdmin(context, AdminRole.Viewer);
            var list = await sender.Send(new ChannelListQuery(caller, Chat2Http.Limit(context.Request.Query["limit"], 50, 500)), cancellationToken);
            return Results.Json(list);
        }).RequireAuthorization(MapPolicies.Viewer).Produces<IReadOnlyList<ChannelListItem>>();

        app.MapGet(Chat2Http.Prefix + "/unread_for_incidents", (HttpContext context, ISender sender, CancellationToken cancellationToken) =>
            UnreadAsync(context, sender, ChannelTypes.Incident, cancellationToken)).RequireAuthorization(MapPolicies.Viewer)
            .Produces<IReadOnlyDictionary<string, int>>();
        app.MapGet(Chat2Http.Prefix + "/unread_for_shifts", (HttpContext context, ISender sender, CancellationToken cancellationToken) =>
            UnreadAsync(context, sender, ChannelTypes.Shift, cancellationToken)).RequireAuthorization(MapPolicies.Viewer)
            .Produces<IReadOnlyDictionary<string, int>>();
    }

    private static async Task<IResult> UnreadAsync(HttpContext context, ISender sender, string type, CancellationToken cancellationToken)
    {
        var caller = Chat2Identity.RequireAdmin(context, AdminRole.Viewer);
        var ids = context.Request.Query["ids"].ToString().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(p => int.TryParse(p, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var id) ? id : (int?)null)
            .OfType<int>().Distinct().Take(1000).ToList();
        return Results.Json(await sender.Send(new UnreadByRefQuery(caller, type, ids), cancellationToken));
    }
}

internal sealed record ChannelListItem(string Id, string Type, int? ShiftId, int? MarkerId, DateTime? LastMessageAt, string? Preview, int Unread);

internal sealed record ChannelListQuery(Chat2Caller Caller, int Limit) : IQuery<IReadOnlyList<ChannelListItem>>;

internal sealed record UnreadByRefQuery(Chat2Caller Caller, string Type, IReadOnlyList<int> Ids) : IQuery<IReadOnlyDictionary<string, int>>;

internal sealed class ChannelListHandler(ChatDbContext db) : IQueryHandler<ChannelListQuery, IReadOnlyList<ChannelListItem>>
{
    public async ValueTask<IReadOnlyList<ChannelListItem>> Handle(ChannelListQuery query, CancellationToken cancellationToken)
    {
        var admin = query.Caller.Id;
        // One statement: the page of channels, each one's last message by (channel, seq) and its unread count from the
        // admin's mark, each through the (channel_id, seq) index.
        return await db.Database.SqlQuery<ChannelListItem>(
            $"""
            SELECT c.id AS "id", c.type AS "type", c.shift_id AS "shift_id", c.marker_id AS "marker_id", c.last_message_at AS "last_message_at",
                   COALESCE(NULLIF(last.text, ''), last.kind) AS "preview",
                   (SELECT count(*)::int FROM chat.chat2_messages u
                     WHERE u.channel_id = c.id AND u.seq > COALESCE(mb.last_read_seq, 0)
                       AND NOT (u.sender_type = 'admin' AND u.sender_id = {admin})) AS "unread"
            FROM (SELECT * FROM chat.chat2_channels ORDER BY last_message_at DESC NULLS LAST, id LIMIT {query.Limit}) c
            LEFT JOIN chat.chat2_messages last ON last.channel_id = c.id AND last.seq = c.last_seq
            LEFT JOIN chat.chat2_members mb ON mb.channel_id = c.id AND mb.member_type = 'admin' AND mb.member_id = {admin}
            ORDER BY c.last_message_at DESC NULLS LAST, c.id
            """).ToListAsync(cancellationToken);
    }
}

internal sealed class UnreadByRefHandler(ChatDbContext db) : IQueryHandler<UnreadByRefQuery, IReadOnlyDictionary<string, int>>
{
    public async ValueTask<IReadOnlyDictionary<string, int>> Handle(UnreadByRefQuery query, CancellationToken cancellationToken)
    {
        var result = query.Ids.ToDictionary(id => id.ToString(System.Globalization.CultureInfo.InvariantCulture), _ => 0);
        if (query.Ids.Count == 0)
        {
            return result;
        }

        var ids = query.Ids.ToArray();
        var rows = await db.Database.SqlQuery<UnreadRow>(
            $"""
            SELECT CASE WHEN c.type = 'shift' THEN c.shift_id ELSE c.marker_id END AS "ref",
                   (SELECT count(*)::int FROM chat.chat2_messages u
                     WHERE u.channel_id = c.id AND u.seq > COALESCE(mb.last_read_seq, 0)
                       AND NOT (u.sender_type = 'admin' AND u.sender_id = {query.Caller.Id})) AS "unread"
            FROM chat.chat2_channels c
            LEFT JOIN chat.chat2_members mb ON mb.channel_id = c.id AND mb.member_type = 'admin' AND mb.member_id = {query.Caller.Id}
            WHERE c.type = {query.Type} AND (CASE WHEN c.type = 'shift' THEN c.shift_id ELSE c.marker_id END) = ANY({ids})
            """).ToListAsync(cancellationToken);
        foreach (var row in rows)
        {
            result[row.Ref.ToString(System.Globalization.CultureInfo.InvariantCulture)] = row.Unread;
        }

        return result;
    }
}

internal sealed record UnreadRow(int Ref, int Unread);
