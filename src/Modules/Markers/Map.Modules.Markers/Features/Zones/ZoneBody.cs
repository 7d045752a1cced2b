using System.Text.Json;
using FluentValidation;
using Map.Modules.Markers.Domain;
using Map.Modules.Markers.Infrastructure;

namespace Map.Modules.Markers.Features.Zones;

/// <summary>The legacy <c>ZoneDTO</c>: <c>geometry</c> is the parsed JSON, or null when the stored text does not parse.</summary>
internal sealed record ZoneView(int Id, string? Description, string Color, string? Icon, JsonElement? Geometry)
{
    public static ZoneView From(Zone zone)
    {
        JsonElement? geometry = null;
        try
        {
            using var document = JsonDocument.Parse(zone.Geometry);
            geometry = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            // Legacy rows may hold text that is not JSON: shown as null, as before.
        }

        return new ZoneView(zone.Id, zone.Description, zone.Color, zone.Icon, geometry);
    }
}

/// <summary>The body of POST/PUT <c>/zones</c>: <c>{description, color, icon, geometry}</c>.</summary>
internal sealed record ZoneBody(string? Description, string? Color, string? Icon, string? GeometryJson)
{
    private static readonly BodyRules Rules = BodyRules.StrictJson with { MaxBytes = MarkerBodies.ZoneMaxBytes };

    public static async Task<ZoneBody> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync(request, Rules, cancellationToken);
        string? geometry = null;
        if (body.Json("geometry") is { ValueKind: not JsonValueKind.Null } raw)
        {
            // The UI sends an object; a JSON string holding the object (the stored form) is accepted too.
            geometry = raw.ValueKind == JsonValueKind.String ? raw.GetString() : raw.GetRawText();
        }

        return new ZoneBody(
            MarkerText.NullIfEmpty(body.String("description")),
            MarkerText.NullIfEmpty(body.String("color")),
            MarkerText.NullIfEmpty(body.String("icon")),
            geometry);
    }
}

/// <summary>The fields a zone command carries.</summary>
internal interface IZoneFields
{
    string? Description { get; }

    string? Color { get; }

    string? Icon { get; }

    /// <summary>JSON text; null when not given (update keeps the stored polygon).</summary>
    string? Geometry { get; }
}

/// <summary>Rules shared by create and update: color required, sizes, and a geometry that is a polygon when given.</summary>
internal abstract class ZoneFieldsValidator<T> : AbstractValidator<T>
    where T : IZoneFields
{
    public const int DescriptionMax = 1000;

    protected ZoneFieldsValidator()
    {
        RuleFor(z => z.Color).NotEmpty().WithMessage("color is required");
        RuleFor(z => z)
            .Must(z => (z.Color?.Length ?? 0) <= Zone.ColorMax && (z.Icon?.Length ?? 0) <= Zone.IconMax && (z.Description?.Length ?? 0) <= DescriptionMax)
            .WithMessage($"color (max {Zone.ColorMax}), icon (max {Zone.IconMax}) or description (max {DescriptionMax}) is too long");
        RuleFor(z => z.Geometry)
            .Must(g => g is null || (g.Length <= 1_000_000 && ZoneGeometry.TryParse(g) is not null))
            .WithMessage("geometry must be a polygon: {\"latlngs\":[{\"lat\":..,\"lng\":..}, ...]} with at least 3 points");
    }
}

/// <summary>A zone as the UI sends it: <c>geometry</c> a GeoJSON geometry object (or its JSON text).</summary>
internal sealed record ZoneRequestBody(string? Description, string? Color, string? Icon, System.Text.Json.JsonElement Geometry);
