using Map.Modules.Markers.Domain;

namespace Map.Modules.Markers.Features.RequestsBell;

/// <summary>
/// The bell's <c>RequestDTO</c>: <c>id, name, address(=name), lat, lon, description(=notes), notes, status, link,
/// category, reporter, photo</c>. Null text becomes <c>""</c>; <c>reporter</c> is always a string (the predecessor sent
/// <c>{}</c> for none, and the UI has to read a string anyway). <c>duplicate_of</c> (<c>{type,id}</c> or null) tells the
/// moderator what the request probably duplicates (decision 0072).
/// </summary>
internal sealed record RequestView(
    int Id,
    string Name,
    string Address,
    double? Lat,
    double? Lon,
    string Description,
    string Notes,
    string Status,
    string Link,
    string Category,
    string Reporter,
    string? Photo,
    DuplicateLink? DuplicateOf)
{
    public static RequestView From(PendingMarker marker) => new(
        marker.Id,
        marker.Fields.Name,
        marker.Fields.Name,
        marker.Fields.Lat,
        marker.Fields.Lon,
        marker.Fields.Notes ?? "",
        marker.Fields.Notes ?? "",
        marker.Fields.Status ?? "",
        marker.Fields.Link ?? "",
        marker.Fields.Category ?? "",
        marker.Reporter ?? "",
        marker.Fields.Photo,
        marker.DuplicateOf);
}
