using FluentValidation;
using Map.Modules.Markers.Domain;

namespace Map.Modules.Markers.Infrastructure;

/// <summary>
/// FluentValidation rules shared by the address, submission, import and moderation validators, with the legacy error
/// texts. Declaration order is check order: the pipeline answers with the first failure.
/// </summary>
internal static class InputRules
{
    public const string InvalidCoordinates = "Invalid coordinates";
    public const string Required = "name, lat, lon are required";

    /// <summary>True when a value was sent that is unparsable or outside −90..90 / −180..180.</summary>
    public static bool HasInvalidValue(CoordinatePair pair) =>
        pair.AnyInvalid
        || (pair.Lat.Kind == CoordinateInputKind.Value && !GeoPoint.InRange(pair.Lat.Value, 0))
        || (pair.Lon.Kind == CoordinateInputKind.Value && !GeoPoint.InRange(0, pair.Lon.Value));

    /// <summary>Trimmed text (empty counts as absent) no longer than <paramref name="max"/>: "<c>field</c> is too long (max n)".</summary>
    public static IRuleBuilderOptions<T, string?> TextOfAtMost<T>(this IRuleBuilder<T, string?> rule, string field, int max) =>
        rule.Must(value => MarkerText.NullIfEmpty(value) is not { } text || text.Length <= max).WithMessage($"{field} is too long (max {max})");

    /// <summary>Every coordinate that was sent is a number in range: else <c>Invalid coordinates</c> (or <paramref name="message"/>).</summary>
    public static IRuleBuilderOptions<T, CoordinatePair> ValuesInRange<T>(this IRuleBuilder<T, CoordinatePair> rule, string message = InvalidCoordinates) =>
        rule.Must(pair => !HasInvalidValue(pair)).WithMessage(message);

    /// <summary>
    /// A name and both coordinates, in range (the predecessor stored points without coordinates): <c>Invalid
    /// coordinates</c> for a bad value, else <c>name, lat, lon are required</c> when one is missing, else the name's length.
    /// </summary>
    public static void RequireNamedPoint<T>(this AbstractValidator<T> validator, Func<T, string?> name, Func<T, CoordinatePair> coordinates)
    {
        validator.RuleFor(message => message).Must(message => !HasInvalidValue(coordinates(message))).WithMessage(InvalidCoordinates);
        validator.RuleFor(message => message)
            .Must(message => HasInvalidValue(coordinates(message)) || (!string.IsNullOrWhiteSpace(name(message)) && coordinates(message).Point is not null))
            .WithMessage(Required);
        validator.RuleFor(message => name(message)).TextOfAtMost("name", MarkerText.NameMax).OverridePropertyName("name");
    }
}
