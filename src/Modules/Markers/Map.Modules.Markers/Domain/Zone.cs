namespace Map.Modules.Markers.Domain;

/// <summary>A map zone (<c>zone</c>): admins other than superadmins are bound to zones and see only their points.</summary>
internal sealed class Zone
{
    public const int ColorMax = 32;
    public const int IconMax = 64;

    private Zone()
    {
    }

    public int Id { get; private set; }

    public string? Description { get; private set; }

    public string Color { get; private set; } = "";

    public string? Icon { get; private set; }

    /// <summary>The polygon as JSON text, as the client sent it (validated to be a polygon).</summary>
    public string Geometry { get; private set; } = "";

    public static Zone Create(string? description, string color, string? icon, string geometry) => new()
    {
        Description = description,
        Color = color,
        Icon = icon,
        Geometry = geometry,
    };

    /// <summary>Replaces the fields; a null geometry keeps the stored polygon.</summary>
    public void Update(string? description, string color, string? icon, string? geometry)
    {
        Description = description;
        Color = color;
        Icon = icon;
        Geometry = geometry ?? Geometry;
    }
}
