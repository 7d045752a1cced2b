using System.Net.Http.Json;
using Npgsql;
using NpgsqlTypes;

namespace Map.Perf.Scenarios;

/// <summary>
/// The support chat: an operator opening a dialog (tail of the history) and the conversation list, plus the bot's
/// send and polling. Seeding grows <c>chat.chat_messages</c> with COPY, spread round-robin over 10,000 dialogs
/// (1,000,000 messages → 100 per dialog; 1,000 messages → 1,000 dialogs of one message), and gives each dialog its
/// <c>chat_dialogs</c> row. So every scale fills a 50-row conversation page and only the data volume differs.
/// </summary>
internal sealed class ChatScenario : IPerfScenario
{
    /// <summary>The dialog the operator opens (the predecessor's perf tool used the same id).</summary>
    public const string PerfUser = "perf_user_1";

    private const int Dialogs = 10_000;

    public string Name => "chat";

    public async Task PrepareAsync(PerfContext context, CancellationToken cancellationToken)
    {
        // 60 messages through the API, so the 50-message tail is full; then open it once so it is read.
        for (var i = 0; i < 60; i++)
        {
            using var response = i % 3 == 2
                ? await context.Clients.Admin.PostAsJsonAsync($"/api/chat/{PerfUser}", new { text = $"reply {i}" }, cancellationToken)
                : await context.Clients.Bot.PostAsJsonAsync($"/api/chat/{PerfUser}", new { text = $"question {i}", user = new { username = "perf_user" } }, cancellationToken);
            response.EnsureSuccessStatusCode();
        }

        using var open = await context.Clients.Admin.GetAsync($"/api/chat/{PerfUser}?limit=50&tail=1", cancellationToken);
        open.EnsureSuccessStatusCode();
    }

    public async Task SeedAsync(PerfContext context, long totalRows, CancellationToken cancellationToken)
    {
        var database = context.RequireDatabase("chat seeding");
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        long existing;
        await using (var count = new NpgsqlCommand("SELECT count(*) FROM chat.chat_messages", connection))
        {
            existing = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        }

        if (existing >= totalRows)
        {
            return;
        }

        int firstNewId;
        await using (var next = new NpgsqlCommand("SELECT coalesce(max(id), 0) + 1 FROM chat.chat_messages", connection))
        {
            firstNewId = (int)(await next.ExecuteScalarAsync(cancellationToken))!;
        }

        // Seeded messages are numbered from the existing count on: message k belongs to dialog perf_seed_<k mod 10,000>.
        var start = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        await using (var writer = await connection.BeginBinaryImportAsync(
            "COPY chat.chat_messages (user_id, sender, text, is_read, created_at) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            for (var k = existing; k < totalRows; k++)
            {
                var fromUser = k % 3 != 2;
                await writer.StartRowAsync(cancellationToken);
                await writer.WriteAsync($"perf_seed_{k % Dialogs}", NpgsqlDbType.Varchar, cancellationToken);
                await writer.WriteAsync(fromUser ? "user" : "admin", NpgsqlDbType.Varchar, cancellationToken);
                await writer.WriteAsync($"seeded message {k}: where is the nearest duty officer?", NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(k % 100 < 95, NpgsqlDbType.Boolean, cancellationToken);
                await writer.WriteAsync(start.AddSeconds(k), NpgsqlDbType.TimestampTz, cancellationToken);
            }

            await writer.CompleteAsync(cancellationToken);
        }

        // Dialog rows for the new messages, as sends would have left them (a dialog split across two scales is updated).
        await using var dialogs = new NpgsqlCommand(
            """
            INSERT INTO chat.chat_dialogs (user_id, status, unread_for_admin, unread_for_user, last_message_at, display_name, last_admin_msg_id)
            SELECT user_id, 'in_progress',
                   count(*) FILTER (WHERE sender = 'user' AND NOT is_read),
                   count(*) FILTER (WHERE sender = 'admin'),
                   max(created_at), 'Seeded ' || user_id,
                   coalesce(max(id) FILTER (WHERE sender = 'admin'), 0)
            FROM chat.chat_messages
            WHERE id >= $1
            GROUP BY user_id
            ON CONFLICT (user_id) DO UPDATE SET
                unread_for_admin = chat_dialogs.unread_for_admin + EXCLUDED.unread_for_admin,
                unread_for_user = chat_dialogs.unread_for_user + EXCLUDED.unread_for_user,
                last_message_at = GREATEST(chat_dialogs.last_message_at, EXCLUDED.last_message_at),
                last_admin_msg_id = GREATEST(chat_dialogs.last_admin_msg_id, EXCLUDED.last_admin_msg_id)
            """,
            connection);
        dialogs.Parameters.AddWithValue(firstNewId);
        dialogs.CommandTimeout = 600;
        await dialogs.ExecuteNonQueryAsync(cancellationToken);
    }

    public IEnumerable<PerfEndpoint> Endpoints(PerfContext context)
    {
        yield return new("GET /api/chat/<user_id>?limit=50&tail=1", (c, _, ct) => c.Admin.GetAsync($"/api/chat/{PerfUser}?limit=50&tail=1", ct));
        yield return new("GET /api/chat/conversations?limit=50", (c, _, ct) => c.Admin.GetAsync("/api/chat/conversations?limit=50", ct));
        yield return new("GET /api/notifications/counters", (c, _, ct) => c.Admin.GetAsync("/api/notifications/counters", ct));
        yield return new("GET /api/chat/notify_targets (bot)", (c, _, ct) => c.Bot.GetAsync("/api/chat/notify_targets?limit=50", ct));
        yield return new("POST /api/chat/<user_id> (bot)", (c, seq, ct) =>
            c.Bot.PostAsJsonAsync($"/api/chat/perf_send_{seq % 500}", new { text = $"perf message {seq}" }, ct));
    }
}
