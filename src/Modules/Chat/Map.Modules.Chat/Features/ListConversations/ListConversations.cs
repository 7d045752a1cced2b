using Carter;
using Map.Modules.Chat.Domain;
using Map.Modules.Chat.Wire;
using Mediator;

namespace Map.Modules.Chat.Features.ListConversations;

/// <summary>
/// <c>GET /api/chat/conversations?status=&amp;limit=200&amp;offset=0</c> (viewer) → <c>[Conversation]</c>, newest first.
/// Driven by <c>chat_dialogs</c>: a dialog whose history was cleared stays listed, and each page is one query
/// (the last message of each listed dialog comes from a lateral join), ordered by (last_message_at, user_id) so
/// pages never overlap or come up short.
/// </summary>
internal sealed class ListConversationsEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapGet(ChatRoutes.Prefix + "/conversations", async (HttpRequest request, ISender sender, CancellationToken cancellationToken) =>
        {
            var status = request.Query["status"].ToString().Trim();
            var query = new ListConversationsQuery(
                status.Length == 0 ? null : status,
                Paging.ParseClamped(request.Query["limit"], 200, 1, 2000),
                Paging.ParseOffset(request.Query["offset"]));
            return Results.Json(await sender.Send(query, cancellationToken));
        })
        .RequireAuthorization(MapPolicies.Viewer).Produces<IReadOnlyList<ConversationView>>();
}

internal sealed record ListConversationsQuery(string? Status, int Limit, int Offset) : IQuery<IReadOnlyList<ConversationView>>;

internal sealed class ListConversationsHandler(ChatDbContext db) : IQueryHandler<ListConversationsQuery, IReadOnlyList<ConversationView>>
{
    public async ValueTask<IReadOnlyList<ConversationView>> Handle(ListConversationsQuery query, CancellationToken cancellationToken)
    {
        // Parameters: limit {0}, offset {1}, and the status filter {2} when there is one.
        var filter = query.Status is null ? "" : "WHERE d.status = {2}";
        var sql = $$"""
            SELECT d.user_id, d.status, d.unread_for_admin AS unread, d.display_name,
                   d.tg_username, d.tg_first_name, d.tg_last_name,
                   m.text AS last_text, m.sender AS last_sender, m.created_at AS last_created_at
            FROM chat.chat_dialogs d
            LEFT JOIN LATERAL (
                SELECT x.text, x.sender, x.created_at FROM chat.chat_messages x
                WHERE x.user_id = d.user_id
                ORDER BY x.created_at DESC, x.id DESC
                LIMIT 1) m ON true
            {{filter}}
            ORDER BY d.last_message_at DESC, d.user_id DESC
            LIMIT {0} OFFSET {1}
            """;
        var rows = await db.Database
            .SqlQueryRaw<ConversationRow>(sql, query.Status is null ? [query.Limit, query.Offset] : [query.Limit, query.Offset, query.Status])
            .ToListAsync(cancellationToken);
        return [.. rows.Select(ToView)];
    }

    private static ConversationView ToView(ConversationRow row)
    {
        var last = row.LastSender is null || row.LastCreatedAt is null
            ? null
            : new LastMessageView(row.LastText ?? "", row.LastSender, row.LastCreatedAt.Value);
        return new ConversationView(
            row.UserId,
            row.DisplayName ?? ChatDialog.ComputeDisplayName(row.UserId, row.TgUsername, row.TgFirstName, row.TgLastName),
            last?.Text ?? "",
            last?.Sender,
            last,
            row.Status,
            row.Unread);
    }

    internal sealed record ConversationRow(
        string UserId,
        string Status,
        int Unread,
        string? DisplayName,
        string? TgUsername,
        string? TgFirstName,
        string? TgLastName,
        string? LastText,
        string? LastSender,
        DateTime? LastCreatedAt);
}
