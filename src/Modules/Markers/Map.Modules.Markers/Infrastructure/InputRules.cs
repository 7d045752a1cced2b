using Map.Modules.Markers.Domain;
using Map.SharedKernel;

namespace Map.Modules.Markers.Infrastructure;

/// <summary>Input rules shared by the address, import and moderation paths (legacy error texts).</summary>
internal static class InputRules
{
    public const string InvalidCoordinates = "Invalid coordinates";
    public const string Required = "name, lat, lon are required";

    /// <summary>True when a value was sent that is unparsable or outside −90..90 / −180..180.</summary>
    public static bool HasInvalidValue(CoordinatePair pair) =>
        pair.AnyInvalid
        || (pair.Lat.Kind == CoordinateInputKind.Value && !GeoPoint.InRange(pair.Lat.Value, 0))
        || (pair.Lon.Kind == CoordinateInputKind.Value && !GeoPoint.InRange(0, pair.Lon.Value));

    /// <summary>
    /// A name and both coordinates, in range (the predecessor stored points without coordinates):
    /// 400 <c>Invalid coordinates</c> for a bad value, else 400 <c>name, lat, lon are required</c> when one is missing.
    /// </summary>
    public static (string Name, GeoPoint Point) RequireNamedPoint(string? name, CoordinatePair pair)
    {
        if (HasInvalidValue(pair))
        {
            throw DomainException.Invalid(InvalidCoordinates);
        }

        if (string.IsNullOrWhiteSpace(name) || pair.Point is not { } point)
        {
            throw DomainException.Invalid(Required);
        }

        return (Text("name", name, MarkerText.NameMax)!, point);
    }

    /// <summary>Both coordinates, in range: 400 <c>Invalid coordinates</c> or <c>name, lat, lon are required</c>.</summary>
    public static GeoPoint RequirePoint(CoordinatePair pair) =>
        HasInvalidValue(pair) ? throw DomainException.Invalid(InvalidCoordinates)
        : pair.Point ?? throw DomainException.Invalid(Required);

    /// <summary>Trimmed text (empty → null) no longer than <paramref name="max"/>; 400 naming the field otherwise.</summary>
    public static string? Text(string field, string? value, int max)
    {
        var text = MarkerText.NullIfEmpty(value);
        return text is not null && text.Length > max ? throw DomainException.Invalid($"{field} is too long (max {max})") : text;
    }
}
