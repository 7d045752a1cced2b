using System.Text.Json;
using Map.Modules.Markers.Contracts;

namespace Map.Modules.Markers.Domain;

/// <summary>The fields of a point that an editor or a moderation decision sets.</summary>
internal sealed record PointContent(
    string Name,
    GeoPoint Point,
    string? Notes,
    string? Status,
    string? Link,
    string? Category,
    int? ZoneId,
    string? Photo);

/// <summary>A value a partial update sets (possibly to null); a null <see cref="Change{T}"/> leaves the field alone.</summary>
internal sealed record Change<T>(T Value);

/// <summary>A partial update of an address (PUT): only present fields change; text set to empty clears it.</summary>
internal sealed record AddressPatch(
    Change<string>? Name = null,
    Change<GeoPoint>? Point = null,
    Change<string?>? Notes = null,
    Change<string?>? Status = null,
    Change<string?>? Link = null,
    Change<string?>? Category = null,
    Change<int?>? ZoneId = null,
    Change<string?>? Photo = null);

/// <summary>An approved point on the map (<c>addresses</c>).</summary>
internal sealed class Address
{
    private Address()
    {
    }

    /// <summary><c>bigint</c>: a CSV import may keep ids up to <c>ImportAddresses.MaxKeptId</c>, and numbering goes on above them.</summary>
    public long Id { get; private set; }

    public string Name { get; private set; } = "";

    /// <summary><see cref="MarkerText.NameKey"/> of <see cref="Name"/>, indexed for duplicate detection.</summary>
    public string NameKey { get; private set; } = "";

    /// <summary>Null only in rows carried over from the predecessor; every API path requires coordinates.</summary>
    public double? Lat { get; private set; }

    public double? Lon { get; private set; }

    public string? Notes { get; private set; }

    /// <summary>Access type label (e.g. <c>Локальный доступ</c>), not a moderation state.</summary>
    public string? Status { get; private set; }

    public string? Link { get; private set; }

    public string? Category { get; private set; }

    public int? ZoneId { get; private set; }

    /// <summary>An upload's stored name (<c>&lt;32 hex&gt;.&lt;ext&gt;</c>) or an external URL.</summary>
    public string? Photo { get; private set; }

    /// <summary>JSON array of strings from AI tagging (not produced by Map yet); shown as <c>[]</c> when null.</summary>
    public string? AiTags { get; private set; }

    public int? Priority { get; private set; }

    public DateTime CreatedAt { get; private set; }

    public DateTime UpdatedAt { get; private set; }

    /// <summary>A new point; <paramref name="id"/> keeps a given id (CSV import of an export), null lets the database number it.</summary>
    public static Address Create(PointContent content, DateTime now, long? id = null)
    {
        var address = new Address { Id = id ?? 0, CreatedAt = now };
        address.Set(content, now);
        return address;
    }

    /// <summary>Overwrites the descriptive fields (CSV import by id); zone and photo are kept.</summary>
    public void Overwrite(string name, GeoPoint point, string? notes, string? status, string? link, string? category, DateTime now) =>
        Set(new PointContent(name, point, notes, status, link, category, ZoneId, Photo), now);

    public void Apply(AddressPatch patch, DateTime now)
    {
        if (patch.Name is { } name)
        {
            Name = name.Value;
            NameKey = MarkerText.NameKey(name.Value);
        }

        if (patch.Point is { } point)
        {
            Lat = point.Value.Lat;
            Lon = point.Value.Lon;
        }

        Notes = patch.Notes is { } notes ? notes.Value : Notes;
        Status = patch.Status is { } status ? status.Value : Status;
        Link = patch.Link is { } link ? link.Value : Link;
        Category = patch.Category is { } category ? category.Value : Category;
        ZoneId = patch.ZoneId is { } zone ? zone.Value : ZoneId;
        Photo = patch.Photo is { } photo ? photo.Value : Photo;
        UpdatedAt = now;
    }

    /// <summary>Takes over a request's photo when the address has none (the bell's hand-over).</summary>
    public bool AdoptPhoto(string? photo, DateTime now)
    {
        if (Photo is not null || string.IsNullOrEmpty(photo))
        {
            return false;
        }

        Photo = photo;
        UpdatedAt = now;
        return true;
    }

    public AddressView ToView() => new(
        Id, Name, Lat, Lon, Notes, Status, Link, Category, ZoneId, Photo, ParseTags(AiTags), Priority, CreatedAt, UpdatedAt);

    internal static IReadOnlyList<string> ParseTags(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return [];
        }

        try
        {
            return JsonSerializer.Deserialize<List<string>>(json) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private void Set(PointContent content, DateTime now)
    {
        Name = content.Name;
        NameKey = MarkerText.NameKey(content.Name);
        Lat = content.Point.Lat;
        Lon = content.Point.Lon;
        Notes = content.Notes;
        Status = content.Status;
        Link = content.Link;
        Category = content.Category;
        ZoneId = content.ZoneId;
        Photo = content.Photo;
        UpdatedAt = now;
    }
}
