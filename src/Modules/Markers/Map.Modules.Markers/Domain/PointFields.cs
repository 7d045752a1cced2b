using System.Text.Json;

namespace Map.Modules.Markers.Domain;

/// <summary>
/// The descriptive fields of a point, the same on an approved <see cref="Address"/> and a <see cref="PendingMarker"/>,
/// and the source of both of their views. An EF complex type (decision 0015): its columns keep their names, and a
/// change replaces the whole value (<c>with</c>), as EF expects of complex types.
/// </summary>
internal sealed record PointFields
{
    public string Name { get; init; } = "";

    /// <summary><see cref="MarkerText.NameKey"/> of <see cref="Name"/>, indexed for duplicate detection.</summary>
    public string NameKey { get; init; } = "";

    /// <summary>Null only in rows carried over from the predecessor; every API path requires coordinates.</summary>
    public double? Lat { get; init; }

    public double? Lon { get; init; }

    public string? Notes { get; init; }

    /// <summary>Access type label (e.g. <c>Локальный доступ</c>), not a moderation state.</summary>
    public string? Status { get; init; }

    public string? Link { get; init; }

    public string? Category { get; init; }

    /// <summary>An upload's stored name (<c>&lt;32 hex&gt;.&lt;ext&gt;</c>) or an external URL.</summary>
    public string? Photo { get; init; }

    /// <summary>JSON array of strings from AI tagging (not produced by Map yet); shown as <c>[]</c> when null.</summary>
    public string? AiTags { get; init; }

    public int? Priority { get; init; }

    public bool HasPoint => Lat is not null && Lon is not null;

    /// <summary>The fields an editor or a moderation decision sets; tags and priority are kept.</summary>
    public PointFields With(PointContent content) => this with
    {
        Name = content.Name,
        NameKey = MarkerText.NameKey(content.Name),
        Lat = content.Point.Lat,
        Lon = content.Point.Lon,
        Notes = content.Notes,
        Status = content.Status,
        Link = content.Link,
        Category = content.Category,
        Photo = content.Photo,
    };

    /// <summary>A partial update: only present fields change (the zone lives on the entity).</summary>
    public PointFields With(AddressPatch patch) => this with
    {
        Name = patch.Name is { } name ? name.Value : Name,
        NameKey = patch.Name is { } renamed ? MarkerText.NameKey(renamed.Value) : NameKey,
        Lat = patch.Point is { } point ? point.Value.Lat : Lat,
        Lon = patch.Point is { } moved ? moved.Value.Lon : Lon,
        Notes = patch.Notes is { } notes ? notes.Value : Notes,
        Status = patch.Status is { } status ? status.Value : Status,
        Link = patch.Link is { } link ? link.Value : Link,
        Category = patch.Category is { } category ? category.Value : Category,
        Photo = patch.Photo is { } photo ? photo.Value : Photo,
    };

    /// <summary><see cref="AiTags"/> as a list: <c>[]</c> when null or not a JSON array of strings.</summary>
    public IReadOnlyList<string> Tags()
    {
        if (string.IsNullOrEmpty(AiTags))
        {
            return [];
        }

        try
        {
            return JsonSerializer.Deserialize<List<string>>(AiTags) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }
}
