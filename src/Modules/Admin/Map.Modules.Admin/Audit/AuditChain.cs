using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Map.Modules.Admin.Audit;

/// <summary>
/// Tamper evidence for the audit log: each row stores <c>prev_hash</c> (the previous row's hash, or the genesis
/// value) and <c>row_hash</c> = SHA-256 over the previous hash and a canonical JSON of the row's fields.
/// The hash is kept in its own columns, never inside the payload.
/// </summary>
internal static class AuditChain
{
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    public static string Hash(string prevHash, DateTime ts, string actor, string role, string ip, string method, string path, string action, string payloadJson)
    {
        var canonical = new JsonObject
        {
            ["action"] = action,
            ["actor"] = actor,
            ["ip"] = ip,
            ["method"] = method,
            ["path"] = path,
            ["payload"] = Canonicalize(JsonNode.Parse(payloadJson)),
            ["role"] = role,
            ["ts"] = WireJson.Format(ts),
        };
        var text = prevHash + "\n" + canonical.ToJsonString();
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>PostgreSQL microsecond precision: hash exactly what the database will give back.</summary>
    public static DateTime Truncate(DateTime value) => DatabaseTime.Truncate(value);

    /// <summary>Objects with keys in ordinal order, recursively; jsonb reorders keys, so the hash must not depend on it.</summary>
    private static JsonNode? Canonicalize(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, Canonicalize(p.Value)))),
        JsonArray array => new JsonArray([.. array.Select(Canonicalize)]),
        JsonValue value when value.GetValueKind() == JsonValueKind.Number
            && decimal.TryParse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            => JsonValue.Create(number),
        JsonValue value => JsonNode.Parse(value.ToJsonString()),
        _ => null,
    };

    public static string SerializePayload(object? payload) => payload switch
    {
        null => "{}",
        string s => JsonSerializer.Serialize(new { value = s }, WireJson.Options),
        JsonElement element => element.GetRawText(),
        _ => JsonSerializer.Serialize(payload, payload.GetType(), WireJson.Options),
    };
}
