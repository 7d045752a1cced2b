using Map.Modules.Markers.Domain;

namespace Map.Modules.Markers.Infrastructure;

/// <summary>
/// The body rules of the Markers endpoints (read with the shared <see cref="RequestBody"/>): JSON or form fields,
/// lenient like the predecessor (invalid JSON counts as <c>{}</c>), capped per endpoint on the bytes read.
/// </summary>
internal static class MarkerBodies
{
    /// <summary>Room for the text fields of a point next to its photo.</summary>
    public const long FieldsAllowance = 256 * 1024;

    /// <summary>A CSV import file (the predecessor's whole-request limit).</summary>
    public const long ImportMaxBytes = 20L * 1024 * 1024;

    /// <summary>Zone polygons: a geometry of up to 1,000,000 characters.</summary>
    public const long ZoneMaxBytes = 2L * 1024 * 1024;

    /// <summary>Text fields only (JSON or form), e.g. a Mini App request before it is authenticated.</summary>
    public static readonly BodyRules Fields = new() { AcceptsForm = true };

    /// <summary>Fields and one photo part of at most <c>UPLOAD_MAX_MB</c>.</summary>
    public static BodyRules WithPhoto(MarkersSettings settings) => new() { AcceptsForm = true, MaxBytes = settings.MaxPhotoBytes + FieldsAllowance };

    /// <summary>Fields and a photo sent inline as base64 (4 bytes per 3).</summary>
    public static BodyRules WithInlinePhoto(MarkersSettings settings) =>
        new() { AcceptsForm = true, MaxBytes = (settings.MaxPhotoBytes * 4 / 3) + FieldsAllowance, TooLargeError = PhotoStore.TooLarge };

    /// <summary>A coordinate field: a form value is parsed from its text, a JSON value by its type.</summary>
    public static CoordinateInput Coordinate(this RequestBody body, string name) =>
        body.IsForm ? CoordinateInput.Parse(body.Text(name)) : CoordinateInput.Parse(body.Json(name));
}
