using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;

namespace Map.Modules.Chat.EventChat.Push;

/// <summary>
/// The platform outbox message of one push: one per recipient token, keyed by the token's id, so a dead or slow device
/// never holds up another one and one device gets its pushes in order.
/// </summary>
internal static class Chat2PushMessage
{
    public const string Type = "chat.chat2_push";

    public static string Key(int tokenId) => "chat2-push:" + tokenId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static OutboxMessage For(Recipient recipient, Payload payload) =>
        new(Type, Key(recipient.TokenId), JsonSerializer.Serialize(payload with { TokenId = recipient.TokenId, MemberType = recipient.MemberType, MemberId = recipient.MemberId }));

    public static Payload Read(OutboxEnvelope envelope) => JsonSerializer.Deserialize<Payload>(envelope.Payload)!;

    internal sealed record Recipient(int TokenId, string MemberType, string MemberId);

    /// <summary>The notification as it was when the message was sent (chat spec §4.6), and the token it is for.</summary>
    internal sealed record Payload(
        [property: JsonPropertyName("token_id")] int TokenId,
        [property: JsonPropertyName("member_type")] string MemberType,
        [property: JsonPropertyName("member_id")] string MemberId,
        [property: JsonPropertyName("title")] string Title,
        [property: JsonPropertyName("body")] string Body,
        [property: JsonPropertyName("data")] Dictionary<string, string> Data);
}

/// <summary>
/// Records the pushes of a new message inside its send transaction (chat spec §4.6): one per registered token of the
/// channel's members other than the sender. Nothing is sent here; the outbox sends after the commit, so a push failure
/// never fails or slows the send. With push off nothing is recorded.
/// </summary>
internal sealed class Chat2PushRecorder(ChatDbContext db, IOutbox outbox, Chat2PushOptions options)
{
    public async Task RecordAsync(Message2 message, CancellationToken cancellationToken)
    {
        if (!options.Enabled)
        {
            return;
        }

        var recipients = await (
            from token in db.PushTokens2
            join member in db.Members2 on new { token.MemberType, token.MemberId } equals new { member.MemberType, member.MemberId }
            where member.ChannelId == message.ChannelId && !(token.MemberType == message.SenderType && token.MemberId == message.SenderId)
            orderby token.Id
            select new Chat2PushMessage.Recipient(token.Id, token.MemberType, token.MemberId))
            .Distinct()
            .ToListAsync(cancellationToken);
        if (recipients.Count == 0)
        {
            return;
        }

        var payload = Notification(options, message);
        foreach (var recipient in recipients)
        {
            await outbox.AddAsync(db.Database, Chat2PushMessage.For(recipient, payload), cancellationToken);
        }
    }

    /// <summary>Title <c>CHAT2_PUSH_TITLE</c> or one per kind; body the text (a media caption, else <c>(медиа)</c>); data the ids.</summary>
    public static Chat2PushMessage.Payload Notification(Chat2PushOptions options, Message2 message)
    {
        var data = new Dictionary<string, string>
        {
            ["channel_id"] = message.ChannelId,
            ["message_id"] = message.Id,
            ["kind"] = message.Kind,
        };
        if (message.Kind == MessageKinds.Template && TemplateId(message.MetaJson) is { } templateId)
        {
            data["template_id"] = templateId;
        }

        var title = options.Title ?? message.Kind switch
        {
            MessageKinds.Media => "Новое медиа",
            MessageKinds.Template => "Новый шаблон",
            _ => "Новое сообщение",
        };
        var body = string.IsNullOrEmpty(message.Text) && message.Kind == MessageKinds.Media ? "(медиа)" : message.Text ?? "";
        return new Chat2PushMessage.Payload(0, "", "", title, body, data);
    }

    private static string? TemplateId(string? metaJson)
    {
        if (metaJson is null)
        {
            return null;
        }

        using var meta = JsonDocument.Parse(metaJson);
        return meta.RootElement.TryGetProperty("template_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
    }
}

/// <summary>
/// Sends one recorded push through FCM, for the platform outbox (which orders per token, retries 429/5xx/network with
/// backoff and dead-letters). A token FCM no longer knows is deleted and the push skipped; a token that moved to
/// another member since the send is skipped (the new owner may not be in the channel). A push is worth little hours
/// late, so it gives up after <see cref="Policy"/>'s attempts (about seven minutes).
/// </summary>
internal sealed class Chat2PushHandler(
    ChatDbContext db,
    FcmClient fcm,
    Chat2PushOptions options,
    Chat2Counters counters,
    ILogger<Chat2PushHandler> logger) : IOutboxHandler
{
    public static readonly OutboxRetryPolicy Policy = new(TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(2), 8);

    public OutboxRetryPolicy RetryPolicy => Policy;

    public async Task<bool> IsStillNeededAsync(OutboxEnvelope message, CancellationToken cancellationToken) =>
        await TokenAsync(Chat2PushMessage.Read(message), cancellationToken) is not null;

    public async Task<OutboxResult> DeliverAsync(OutboxEnvelope message, CancellationToken cancellationToken)
    {
        var push = Chat2PushMessage.Read(message);
        if (!options.Enabled)
        {
            return OutboxResult.Rejected($"push is off on this instance ({Chat2PushOptions.EnabledVariable} is 0 or {Chat2PushOptions.CredentialsVariable} is not set)");
        }

        if (await TokenAsync(push, cancellationToken) is not { } token)
        {
            return OutboxResult.Skipped; // unregistered or reassigned since the send
        }

        var result = await fcm.SendAsync(new FcmMessage(token, push.Title, push.Body, push.Data), cancellationToken);
        switch (result.Outcome)
        {
            case FcmOutcome.Sent:
                counters.PushSent(1);
                return OutboxResult.Delivered;
            case FcmOutcome.TokenGone:
                counters.PushFailed();
                await db.PushTokens2.Where(t => t.Id == push.TokenId && t.Token == token).ExecuteDeleteAsync(cancellationToken);
                logger.LogInformation("Push token {TokenId} of {MemberType} {MemberId} is no longer valid ({Error}); it is deleted", push.TokenId, push.MemberType, push.MemberId, result.Error);
                return OutboxResult.Skipped;
            case FcmOutcome.Rejected:
                counters.PushFailed();
                return OutboxResult.Rejected(result.Error ?? "refused");
            default:
                counters.PushFailed();
                return OutboxResult.Retry(result.Error ?? "failed", result.RetryAfter);
        }
    }

    private Task<string?> TokenAsync(Chat2PushMessage.Payload push, CancellationToken cancellationToken) =>
        db.PushTokens2.AsNoTracking()
            .Where(t => t.Id == push.TokenId && t.MemberType == push.MemberType && t.MemberId == push.MemberId)
            .Select(t => t.Token)
            .FirstOrDefaultAsync(cancellationToken);
}
