using System.Text.Json;

namespace Map.Modules.Chat.EventChat;

/// <summary>
/// <c>Msg2</c> of chat spec §3.2: every key always present (null where there is no value). <c>seq</c> is the message's
/// place in its channel, added for clients that want it (decision 0110).
/// </summary>
internal sealed record Msg2(
    string Id,
    string ChannelId,
    long Seq,
    string SenderType,
    string SenderId,
    string? ClientMsgId,
    string? Text,
    string Kind,
    DateTime CreatedAt,
    DateTime? EditedAt,
    DateTime? DeletedAt,
    string? MediaKey,
    string? Mime,
    int? Size,
    string? ThumbKey,
    int DeliveredCount,
    int ReadCount,
    JsonElement? MetaJson)
{
    public static Msg2 From(Message2 m) => new(
        m.Id, m.ChannelId, m.Seq, m.SenderType, m.SenderId, m.ClientMsgId, m.Text, m.Kind, m.CreatedAt, m.EditedAt, m.DeletedAt,
        m.MediaKey, m.Mime, m.Size, m.ThumbKey, m.DeliveredCount, m.ReadCount,
        m.MetaJson is null ? null : JsonDocument.Parse(m.MetaJson).RootElement.Clone());
}
