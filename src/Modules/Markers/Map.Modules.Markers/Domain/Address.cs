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

    public PointFields Fields { get; private set; } = new();

    public int? ZoneId { get; private set; }

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
        Set(new PointContent(name, point, notes, status, link, category, ZoneId, Fields.Photo), now);

    public void Apply(AddressPatch patch, DateTime now)
    {
        Fields = Fields.With(patch);
        ZoneId = patch.ZoneId is { } zone ? zone.Value : ZoneId;
        UpdatedAt = now;
    }

    /// <summary>Takes over a request's photo when the address has none (the bell's hand-over).</summary>
    public bool AdoptPhoto(string? photo, DateTime now)
    {
        if (Fields.Photo is not null || string.IsNullOrEmpty(photo))
        {
            return false;
        }

        Fields = Fields with { Photo = photo };
        UpdatedAt = now;
        return true;
    }

    public AddressView ToView() => new(
        Id, Fields.Name, Fields.Lat, Fields.Lon, Fields.Notes, Fields.Status, Fields.Link, Fields.Category, ZoneId, Fields.Photo,
        Fields.Tags(), Fields.Priority, CreatedAt, UpdatedAt);

    private void Set(PointContent content, DateTime now)
    {
        Fields = Fields.With(content);
        ZoneId = content.ZoneId;
        UpdatedAt = now;
    }
}
