namespace Map.Modules.Chat.Contracts;

/// <summary><c>chat2_message</c>: an event-chat message was stored (not sent again for idempotent replays).</summary>
public sealed record Chat2MessagePosted(string ChannelId, string MessageId, object Message) : IIntegrationEvent
{
    public string EventName => "chat2_message";

    public object Data => Message;
}

/// <summary><c>chat2_receipt</c>: a member's delivered/read receipt changed a message's counts.</summary>
public sealed record Chat2ReceiptRecorded(string ChannelId, string MessageId, object Receipt) : IIntegrationEvent
{
    public string EventName => "chat2_receipt";

    public object Data => Receipt;
}
