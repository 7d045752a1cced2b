using System.Text.Json;
using Map.Modules.Tracker.Contracts;

namespace Map.Modules.Tracker.Features.UploadPoints;

/// <summary>
/// Shows each point of a <c>tracking_batch</c> as a <c>tracking_point</c> frame, for pages that predate the batch
/// event (decision 0051). The upload publishes only the batch, so Redis carries one message per upload instead of 101;
/// each instance derives the point frames for its own clients, field for field as the upload used to publish them.
/// </summary>
internal sealed class TrackingPointFrames : IRealtimeFrameExpansion
{
    private static readonly string[] SessionFields = ["device_id", "user_id", "shift_id", "session_id"];
    private static readonly string[] PointFields = ["lat", "lon", "ts", "accuracy_m", "speed_mps", "bearing_deg", "flags"];
    private static readonly string[] TrailingFields = ["source"];

    public string EventName => TrackerEvent.TrackingBatch;

    public string DerivedEventName => TrackerEvent.TrackingPoint;

    public void Expand(JsonElement data, Action<Action<Utf8JsonWriter>> emit)
    {
        if (!data.TryGetProperty("points", out var points) || points.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        foreach (var point in points.EnumerateArray())
        {
            if (point.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            emit(writer =>
            {
                writer.WriteStartObject();
                Copy(writer, data, SessionFields);
                Copy(writer, point, PointFields);
                Copy(writer, data, TrailingFields);
                writer.WriteEndObject();
            });
        }
    }

    private static void Copy(Utf8JsonWriter writer, JsonElement from, string[] names)
    {
        foreach (var name in names)
        {
            if (from.TryGetProperty(name, out var value))
            {
                writer.WritePropertyName(name);
                value.WriteTo(writer);
            }
        }
    }
}
