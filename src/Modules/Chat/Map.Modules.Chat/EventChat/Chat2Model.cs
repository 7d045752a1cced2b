namespace Map.Modules.Chat.EventChat;

/// <summary>A channel of the event chat (<c>chat2_channels</c>): one per shift, one per incident, or a direct one.</summary>
internal sealed class Channel2
{
    public const int IdLength = 36;

    public string Id { get; set; } = "";

    public string Type { get; set; } = ChannelTypes.Dm;

    public int? ShiftId { get; set; }

    public int? MarkerId { get; set; }

    /// <summary>For <c>dm</c>: <c>admin:&lt;username&gt;|tracker:&lt;device&gt;</c>, unique, so a DM is found by key, not by scanning.</summary>
    public string? DmKey { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? LastMessageAt { get; set; }

    /// <summary>The sequence number of the channel's newest message; bumped under the row lock by each send.</summary>
    public long LastSeq { get; set; }
}

/// <summary>A member of a channel (<c>chat2_members</c>) and its read mark.</summary>
internal sealed class Channel2Member
{
    public int Id { get; set; }

    public string ChannelId { get; set; } = "";

    public string MemberType { get; set; } = "";

    public string MemberId { get; set; } = "";

    public string? LastReadMessageId { get; set; }

    /// <summary>The sequence number of <see cref="LastReadMessageId"/>; only ever raised.</summary>
    public long LastReadSeq { get; set; }

    public DateTime? LastReadAt { get; set; }
}

/// <summary>A message (<c>chat2_messages</c>), ordered in its channel by <see cref="Seq"/>.</summary>
internal sealed class Message2
{
    public string Id { get; set; } = "";

    public string ChannelId { get; set; } = "";

    public long Seq { get; set; }

    public string SenderType { get; set; } = "";

    public string SenderId { get; set; } = "";

    public string? ClientMsgId { get; set; }

    public string? Text { get; set; }

    public string Kind { get; set; } = MessageKinds.Text;

    public string? MediaKey { get; set; }

    public string? ThumbKey { get; set; }

    public string? Mime { get; set; }

    public int? Size { get; set; }

    public int DeliveredCount { get; set; }

    public int ReadCount { get; set; }

    public string? MetaJson { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? EditedAt { get; set; }

    public DateTime? DeletedAt { get; set; }
}

/// <summary>One member's receipt of one message (<c>chat2_receipts</c>): counted once per member and type.</summary>
internal sealed class Message2Receipt
{
    public string MessageId { get; set; } = "";

    public string MemberType { get; set; } = "";

    public string MemberId { get; set; } = "";

    public string Type { get; set; } = "";

    public DateTime CreatedAt { get; set; }
}

/// <summary>A push token of a member (<c>chat2_push_tokens</c>), globally unique.</summary>
internal sealed class PushToken2
{
    public int Id { get; set; }

    public string MemberType { get; set; } = "";

    public string MemberId { get; set; } = "";

    public string Token { get; set; } = "";

    public DateTime CreatedAt { get; set; }
}

internal static class ChannelTypes
{
    public const string Shift = "shift";
    public const string Incident = "incident";
    public const string Dm = "dm";

    public static bool IsKnown(string? type) => type is Shift or Incident or Dm;
}

internal static class MemberTypes
{
    public const string Admin = "admin";
    public const string Tracker = "tracker";

    public static bool IsKnown(string? type) => type is Admin or Tracker;
}

internal static class MessageKinds
{
    public const string Text = "text";
    public const string Media = "media";
    public const string Template = "template";
}

/// <summary>The fixed quick templates (chat spec §3.2 templates).</summary>
internal static class Templates
{
    public static IReadOnlyList<(string Id, string Text)> All { get; } =
    [
        ("arrived", "Прибыл"),
        ("need_help", "Нужна помощь"),
        ("bad_signal", "Связь плохая"),
        ("delivered", "Доставил"),
    ];

    public static string? TextOf(string id) => All.FirstOrDefault(t => t.Id == id).Text;
}

/// <summary>Sizes of the event chat's texts.</summary>
internal static class Chat2Limits
{
    public const int TextMaxLength = 4000;
    public const int MemberIdMaxLength = 64;
    public const int ClientMsgIdMaxLength = 64;
    public const int SearchMaxLength = 200;
}
