namespace Map.Modules.Chat.Contracts;

/// <summary>A support-chat message as the wire shows it (<c>ChatMessage</c> of the chat spec).</summary>
public sealed record ChatMessageData(int Id, string UserId, string Sender, string Text, bool IsRead, DateTime? CreatedAt);

/// <summary><c>chat_message</c>: a user or admin message was stored. Every admin may read the support chat.</summary>
public sealed record ChatMessagePosted(ChatMessageData Message) : IIntegrationEvent
{
    public string EventName => "chat_message";

    public object Data => Message;
}

/// <summary><c>chat_cleared</c>: an editor deleted a dialog's history (the dialog stays).</summary>
public sealed record ChatHistoryCleared(string UserId, int Deleted) : IIntegrationEvent
{
    public string EventName => "chat_cleared";

    public object Data => new { user_id = UserId, deleted = Deleted };
}

/// <summary><c>chat_deleted</c>: an editor deleted a dialog and its messages.</summary>
public sealed record ChatDialogDeleted(string UserId) : IIntegrationEvent
{
    public string EventName => "chat_deleted";

    public object Data => new { user_id = UserId };
}
