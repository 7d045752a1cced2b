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
