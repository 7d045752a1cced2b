using System.Text.Json.Serialization;

namespace Map.Modules.Chat.Wire;

// The answers of chat2 endpoints that build them as anonymous objects, named for the OpenAPI document only (decision
// 0090): the handlers are left as they are while the event chat gains push, and the shape test compares the sampled
// answers with these records, so a drift fails there.

/// <summary><c>POST /api/chat2/create_channel</c>.</summary>
internal sealed record Chat2ChannelCreatedJson(string Id, string Type, int? ShiftId, int? MarkerId);

/// <summary><c>POST /api/chat2/ensure_shift_channel</c>.</summary>
internal sealed record Chat2ShiftChannelJson(string Id, bool Created);

/// <summary><c>POST /api/chat2/ensure_incident_channel</c>.</summary>
internal sealed record Chat2IncidentChannelJson(string Id, string Type, int? MarkerId);

/// <summary><c>POST /api/chat2/ensure_dm_channel</c>.</summary>
internal sealed record Chat2DmChannelJson(string Id, string Type);

/// <summary><c>GET /api/chat2/templates</c>: one quick reply.</summary>
internal sealed record Chat2TemplateJson(string Id, string Text);

/// <summary><c>POST /api/chat2/admin/purge</c>: <c>would_delete</c> on a dry run, else the two deleted counts.</summary>
internal sealed record Chat2PurgeJson(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? WouldDelete,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? DeletedMessages,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? DeletedFiles);

/// <summary><c>POST /api/chat2/push/register</c>: 201 <c>registered</c> or 200 <c>updated</c> (the token moved to this caller).</summary>
internal sealed record Chat2PushRegisteredJson(string Status, int Id);

/// <summary><c>POST /api/chat2/push/test</c>: the pushes FCM accepted (0 when push is not configured).</summary>
internal sealed record Chat2PushTestJson(int Sent);

// The request bodies the chat2 handlers read (documented only, decision 0090).

/// <summary>A member of a new channel: <c>admin</c> or <c>device</c> and its id.</summary>
internal sealed record Chat2MemberBody(string MemberType, string MemberId);

/// <summary><c>POST /api/chat2/create_channel</c>: <c>type</c> shift, incident or dm; the shift or marker it is about; members.</summary>
internal sealed record Chat2CreateChannelBody(string Type, int? ShiftId, int? MarkerId, IReadOnlyList<Chat2MemberBody>? Members);

/// <summary><c>POST /api/chat2/ensure_shift_channel</c>.</summary>
internal sealed record Chat2ShiftChannelBody(int ShiftId, IReadOnlyList<Chat2MemberBody>? Members);

/// <summary><c>POST /api/chat2/ensure_incident_channel</c>.</summary>
internal sealed record Chat2IncidentChannelBody(int MarkerId, IReadOnlyList<Chat2MemberBody>? Members);

/// <summary><c>POST /api/chat2/ensure_dm_channel</c>: the tracker device to talk to.</summary>
internal sealed record Chat2DmChannelBody(string DeviceId);

/// <summary><c>POST /api/chat2/admin/purge</c>: the age in days (default CHAT2_RETENTION_DAYS) and whether to count only.</summary>
internal sealed record Chat2PurgeBody(int? Days, bool? DryRun);

/// <summary><c>POST /api/chat2/read</c>: the newest message read in the channel.</summary>
internal sealed record Chat2ReadBody(string ChannelId, string LastReadMessageId);

/// <summary><c>POST /api/chat2/receipt</c>: <c>type</c> delivered or read.</summary>
internal sealed record Chat2ReceiptBody(string ChannelId, string MessageId, string Type);

/// <summary><c>POST /api/chat2/send</c>: the text (kind <c>text</c> by default) and the client's id for retries.</summary>
internal sealed record Chat2SendBody(string ChannelId, string Text, string? Kind, string? ClientMsgId);

/// <summary><c>POST /api/chat2/send_template</c>: a quick reply by its id.</summary>
internal sealed record Chat2SendTemplateBody(string ChannelId, string TemplateId, string? ClientMsgId);

/// <summary><c>POST /api/chat2/upload_media</c>: the file, its channel, an optional caption and the client's id.</summary>
internal sealed record Chat2UploadBody(string ChannelId, IFormFile File, string? Text, string? ClientMsgId);

/// <summary><c>POST /api/chat2/push/register</c>: the FCM registration token.</summary>
internal sealed record Chat2PushTokenBody(string Token);

/// <summary><c>POST /api/chat2/push/test</c>: one token, or every registered one when absent.</summary>
internal sealed record Chat2PushTestBody(string? Token);
