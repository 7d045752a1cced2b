using Map.Modules.Chat.Contracts;
using Map.Modules.Chat.EventChat.Push;
using Npgsql;

namespace Map.Modules.Chat.EventChat;

/// <summary>A message to store in a channel the caller may write to.</summary>
internal sealed record NewMessage2(Channel2 Channel, Chat2Caller Sender, string Kind, string? Text, string? ClientMsgId, string? MetaJson = null);

/// <summary>The stored (or replayed) message; or, when nothing was stored, the rate-limit decision that refused it.</summary>
internal sealed record Posted2(Msg2? Message, bool Created, RateLimitDecision? Refused)
{
    public static Posted2 Limited(RateLimitDecision decision) => new(null, false, decision);
}

/// <summary>Media already written to disk for a new message; deleted again when the message is not stored.</summary>
internal sealed record StoredMedia2(string MediaKey, string Mime, int Size);

/// <summary>
/// Stores event-chat messages (send, send_template, upload_media; decision 0110). Order (chat spec §3.2 and §9.12):
/// idempotent replay first (200, no event), then the sender's rate limit, then the insert. The channel row is locked
/// for the insert and bumps the channel's sequence, so messages of one channel commit in sequence order and a
/// <c>sync</c> after a cursor never skips one that commits later. The replay check runs again under that lock, and
/// the unique index on (channel, sender, client_msg_id) is the last word: 20 concurrent retries store one row and
/// publish one <c>chat2_message</c>. Pushes to the other members are recorded in the same transaction and sent by the
/// platform outbox after the commit (decision 0112).
/// </summary>
internal sealed class Chat2Posting(ChatDbContext db, TimeProvider clock, IRateLimitGate rateLimit, IEventBus events, Chat2Counters counters, Chat2PushRecorder push)
{
    public async Task<Msg2?> FindReplayAsync(string channelId, Chat2Caller sender, string? clientMsgId, CancellationToken cancellationToken)
    {
        if (clientMsgId is null)
        {
            return null;
        }

        var existing = await db.Messages2.AsNoTracking().FirstOrDefaultAsync(
            m => m.ChannelId == channelId && m.SenderType == sender.Type && m.SenderId == sender.Id && m.ClientMsgId == clientMsgId,
            cancellationToken);
        return existing is null ? null : Msg2.From(existing);
    }

    public async Task<RateLimitDecision> AcquireAsync(string bucket, Chat2Caller sender, CancellationToken cancellationToken)
    {
        var decision = await rateLimit.AcquireAsync(bucket, sender.Type + ":" + sender.Id, cancellationToken);
        if (!decision.Allowed)
        {
            counters.RateLimited();
        }

        return decision;
    }

    /// <summary>Replay, refusal by the rate limit, or a new message.</summary>
    public async Task<Posted2> PostAsync(NewMessage2 message, string bucket, CancellationToken cancellationToken)
    {
        if (await FindReplayAsync(message.Channel.Id, message.Sender, message.ClientMsgId, cancellationToken) is { } replay)
        {
            return new Posted2(replay, false, null);
        }

        var decision = await AcquireAsync(bucket, message.Sender, cancellationToken);
        return decision.Allowed ? await InsertAsync(message, null, cancellationToken) : Posted2.Limited(decision);
    }

    /// <summary>Inserts (after the caller's replay and rate-limit checks), or returns the message a concurrent retry stored.</summary>
    public async Task<Posted2> InsertAsync(NewMessage2 message, StoredMedia2? media, CancellationToken cancellationToken)
    {
        var now = clock.Now();
        Message2 row;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            var seq = (await db.Database.SqlQuery<long>(
                $"UPDATE chat.chat2_channels SET last_seq = last_seq + 1, last_message_at = {now} WHERE id = {message.Channel.Id} RETURNING last_seq AS \"Value\"")
                .ToListAsync(cancellationToken)).Single();

            // Under the channel's lock every earlier retry has committed or rolled back: this answer is final.
            if (await FindReplayAsync(message.Channel.Id, message.Sender, message.ClientMsgId, cancellationToken) is { } replay)
            {
                await transaction.RollbackAsync(cancellationToken);
                return new Posted2(replay, false, null);
            }

            row = new Message2
            {
                Id = Chat2Ids.New(),
                ChannelId = message.Channel.Id,
                Seq = seq,
                SenderType = message.Sender.Type,
                SenderId = message.Sender.Id,
                ClientMsgId = message.ClientMsgId,
                Text = message.Text,
                Kind = message.Kind,
                MetaJson = message.MetaJson,
                MediaKey = media?.MediaKey,
                Mime = media?.Mime,
                Size = media?.Size,
                CreatedAt = now,
            };
            db.Messages2.Add(row);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
            {
                await transaction.RollbackAsync(cancellationToken);
                db.ChangeTracker.Clear();
                return new Posted2(await FindReplayAsync(message.Channel.Id, message.Sender, message.ClientMsgId, cancellationToken), false, null);
            }

            await push.RecordAsync(row, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        var data = Msg2.From(row);
        if (message.Kind == MessageKinds.Media)
        {
            counters.MediaUploaded();
        }

        counters.Sent();
        await events.PublishAsync(new Chat2MessagePosted(row.ChannelId, row.Id, data), cancellationToken);
        return new Posted2(data, true, null);
    }
}

/// <summary>
/// The in-process counters of <c>GET /api/chat2/metrics</c> (chat spec §3.2 row 20), also in the Prometheus text at
/// <c>/metrics</c> (<see cref="IModuleCounters"/>): one set of numbers for both.
/// </summary>
internal sealed class Chat2Counters : IModuleCounters
{
    private long sent;
    private long media;
    private long rateLimited;
    private long pushSent;
    private long pushFailed;

    public void Sent() => Interlocked.Increment(ref sent);

    public void MediaUploaded() => Interlocked.Increment(ref media);

    public void RateLimited() => Interlocked.Increment(ref rateLimited);

    public void PushSent(int count) => Interlocked.Add(ref pushSent, count);

    /// <summary>An FCM attempt that did not deliver (retried, refused, or the token is gone).</summary>
    public void PushFailed() => Interlocked.Increment(ref pushFailed);

    public IReadOnlyDictionary<string, long> Snapshot() => Read().ToDictionary(c => c.Name, c => c.Value);

    public IReadOnlyList<CounterReading> Read() =>
    [
        new("chat2_messages_sent_total", "Event-chat messages stored (send, send_template, upload_media), not replays.", Interlocked.Read(ref sent)),
        new("chat2_media_uploaded_total", "Event-chat media messages stored.", Interlocked.Read(ref media)),
        new("chat2_messages_failed_rate_limit_total", "Event-chat sends and uploads refused by the rate limit.", Interlocked.Read(ref rateLimited)),
        new("chat2_push_sent_total", "Event-chat pushes FCM accepted.", Interlocked.Read(ref pushSent)),
        new("chat2_push_failed_total", "Event-chat push attempts FCM did not accept (retried, refused, or token gone).", Interlocked.Read(ref pushFailed)),
    ];
}
