using System.Text.Json;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using Snapshooter;
using Snapshooter.Xunit;

namespace Map.Modules.Markers.Tests;

/// <summary>Snapshot of a wire body exactly as sent (timestamps stay strings), minus fields that differ per run.</summary>
internal static class Snap
{
    public static void Match(JsonElement body, string name, params string[] ignoredFields)
    {
        var token = JsonConvert.DeserializeObject<JToken>(body.GetRawText(), new JsonSerializerSettings { DateParseHandling = DateParseHandling.None })!;
        Snapshot.Match(token, SnapshotNameExtension.Create(name), options =>
        {
            foreach (var field in ignoredFields)
            {
                options = options.IgnoreField(field);
            }

            return options;
        });
    }
}

/// <summary>Tiny valid-looking image payloads: the store sniffs only the leading magic bytes.</summary>
internal static class Images
{
    public static byte[] Png(int size = 64) => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, .. new byte[size]];

    public static byte[] Jpeg(int size = 64) => [0xFF, 0xD8, 0xFF, 0xE0, .. new byte[size]];

    public static byte[] Text => "<?php echo 'not an image'; ?>"u8.ToArray();
}
