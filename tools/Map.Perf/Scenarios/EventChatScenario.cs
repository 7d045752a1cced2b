using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Map.Perf.Scenarios;

/// <summary>
/// The event chat (chat2): an admin's channel list (<c>GET /api/chat2/channels?limit=50</c>) and a phone or page
/// catching up on one channel (<c>GET /api/chat2/sync</c> after a cursor, 50 messages). Seeding spreads
/// <c>chat.chat2_messages</c> round-robin over 10,000 channels (1,000,000 messages → 100 per channel; 1,000 → 1,000
/// channels of one message), numbered per channel by <c>seq</c> as the server numbers them, and sets each channel's
/// <c>last_seq</c>. The synced channel holds 60 messages at every scale, so only the data volume differs. The target:
/// p99 at 1 M messages ≤ 2 × p99 at 1 k.
/// </summary>
internal sealed class EventChatScenario : IPerfScenario
{
    private const int Channels = 10_000;
    // Channel and message ids are UUIDs on the wire; seeded ones are md5(name) shaped as a UUID, so every scale and
    // the endpoints agree on them.
    private const string SyncedChannel = "00000000-0000-4000-8000-00000000c2a1";
    private static readonly string CursorMessage = UuidOf("perf-synced-10");

    public string Name => "chat2";

    public async Task PrepareAsync(PerfContext context, CancellationToken cancellationToken)
    {
        var database = context.RequireDatabase("chat2 seeding");
        await using var command = database.CreateCommand(
            $"""
            INSERT INTO chat.chat2_channels (id, type, dm_key, created_at, last_message_at, last_seq)
            VALUES ('{SyncedChannel}', 'dm', 'perf:synced', now() - interval '1 hour', now(), 60) ON CONFLICT DO NOTHING;
            INSERT INTO chat.chat2_messages (id, channel_id, seq, sender_type, sender_id, text, kind, created_at)
            SELECT md5('perf-synced-' || i)::uuid::text, '{SyncedChannel}', i, 'tracker', 'perf-device', 'synced message ' || i, 'text',
                   now() - interval '1 hour' + make_interval(secs => i)
            FROM generate_series(1, 60) AS i
            ON CONFLICT DO NOTHING;
            """);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task SeedAsync(PerfContext context, long totalRows, CancellationToken cancellationToken)
    {
        var database = context.RequireDatabase("chat2 seeding");
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        long existing;
        await using (var count = new NpgsqlCommand($"SELECT count(*) FROM chat.chat2_messages WHERE channel_id <> '{SyncedChannel}'", connection))
        {
            existing = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        }

        if (existing >= totalRows)
        {
            return;
        }

        // Message k belongs to channel uuid(perf-ch-<k mod 10,000>) with seq k / 10,000 + 1, so a later scale continues the
        // numbering of the channels an earlier one made.
        string[] steps =
        [
            """
            INSERT INTO chat.chat2_channels (id, type, dm_key, created_at, last_seq)
            SELECT md5('perf-ch-' || c)::uuid::text, 'dm', 'perf:' || c, timestamptz '2026-01-01', 0
            FROM generate_series(0, LEAST($2::bigint, $3::bigint) - 1) AS c
            ON CONFLICT DO NOTHING
            """,
            """
            INSERT INTO chat.chat2_messages (id, channel_id, seq, sender_type, sender_id, text, kind, created_at)
            SELECT md5('perf-m-' || k)::uuid::text, md5('perf-ch-' || (k % $3::bigint))::uuid::text, k / $3::bigint + 1,
                   CASE WHEN k % 3 = 2 THEN 'admin' ELSE 'tracker' END,
                   CASE WHEN k % 3 = 2 THEN 'perf-admin' ELSE 'perf-device-' || (k % $3::bigint) END,
                   'seeded message ' || k || ': at the checkpoint, all quiet', 'text',
                   timestamptz '2026-01-01' + make_interval(secs => k::double precision)
            FROM generate_series($1::bigint, $2::bigint - 1) AS k
            """,
            """
            UPDATE chat.chat2_channels c SET last_seq = m.seq, last_message_at = m.at
            FROM (SELECT channel_id, max(seq) AS seq, max(created_at) AS at FROM chat.chat2_messages
                  WHERE channel_id <> $4 GROUP BY channel_id) m
            WHERE c.id = m.channel_id
            """,
        ];
        foreach (var step in steps)
        {
            await using var seed = new NpgsqlCommand(step, connection);
            seed.CommandTimeout = 1200;
            seed.Parameters.AddWithValue(existing);
            seed.Parameters.AddWithValue(totalRows);
            seed.Parameters.AddWithValue((long)Channels);
            seed.Parameters.AddWithValue(SyncedChannel);
            await seed.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public IEnumerable<PerfEndpoint> Endpoints(PerfContext context)
    {
        yield return new("GET /api/chat2/channels?limit=50", (c, _, ct) => c.Admin.GetAsync("/api/chat2/channels?limit=50", ct));
        yield return new(
            "GET /api/chat2/sync (50 after a cursor)",
            (c, _, ct) => c.Admin.GetAsync($"/api/chat2/sync?channel_id={SyncedChannel}&after_id={CursorMessage}&limit=50", ct));
    }

    private static string UuidOf(string name)
    {
        // The same shape as PostgreSQL's md5(name)::uuid in the seeding: a test-data id, not a security use.
#pragma warning disable CA5351
        var hex = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(name)));
#pragma warning restore CA5351
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }
}
