using FluentValidation;
using Map.Modules.Markers.Contracts;
using Map.Modules.Markers.Domain;
using Map.Modules.Markers.Geocoding;
using Map.Modules.Markers.Infrastructure;
using Mediator;
using Npgsql;

namespace Map.Modules.Markers.Features.SubmitMarkerFromBot;

internal sealed record SubmitMarkerCommand(
    string? Name,
    CoordinatePair Coordinates,
    string? Notes,
    string? Status,
    string? Link,
    string? Category,
    string? Reporter,
    string? UserId,
    string? MessageId,
    string? PhotoReference,
    IncomingPhoto? Photo,
    bool Dedupe) : ICommand<SubmitOutcome>;

internal abstract record SubmitOutcome
{
    /// <summary>Stored as pending; <paramref name="DuplicateOf"/> when it probably duplicates another point.</summary>
    internal sealed record Created(int Id, DuplicateLink? DuplicateOf) : SubmitOutcome;

    internal sealed record Existing(int Id, MarkerState State, long? AddressId) : SubmitOutcome;
}

/// <summary>
/// The bot's submission, in the predecessor's order: validate → idempotency → geocode when the point is missing or out of
/// range (a request without a usable point is refused; the predecessor stored it) → duplicates → store with its zone
/// and a <c>pending</c> history line → <c>pending_created</c>. A probable duplicate is stored too, linked to what it
/// duplicates for the moderators (the predecessor answered "duplicate" and dropped it; decision 0072). Idempotency is enforced by the unique index on
/// (user_id, message_id): concurrent retries that all pass the first lookup still create one row.
/// </summary>
internal sealed class SubmitMarkerHandler(
    MarkersDbContext db,
    Geocoder geocoder,
    DuplicateFinder duplicates,
    ZoneLocator zones,
    PhotoStore photos,
    IEventBus events,
    TimeProvider clock) : ICommandHandler<SubmitMarkerCommand, SubmitOutcome>
{
    public const string DefaultStatus = "Локальный доступ";
    public const string DefaultCategory = "Видеонаблюдение";
    public const string GeocodingFailed = "Invalid or missing coordinates for geocoding";

    public async ValueTask<SubmitOutcome> Handle(SubmitMarkerCommand command, CancellationToken cancellationToken)
    {
        var submitter = new Submitter(
            MarkerText.NullIfEmpty(command.UserId),
            MarkerText.NullIfEmpty(command.MessageId),
            MarkerText.NullIfEmpty(command.Reporter));
        var name = MarkerText.NullIfEmpty(command.Name) ?? "";
        var notes = MarkerText.NullIfEmpty(command.Notes);
        var status = MarkerText.NullIfEmpty(command.Status) ?? DefaultStatus;
        var link = MarkerText.NullIfEmpty(command.Link);
        var category = MarkerText.NullIfEmpty(command.Category) ?? DefaultCategory;
        var photoReference = MarkerText.NullIfEmpty(command.PhotoReference);
        var extension = command.Photo is null ? null : await photos.CheckAsync(command.Photo, cancellationToken);

        if (await FindExistingAsync(submitter, cancellationToken) is { } retry)
        {
            return retry;
        }

        var point = command.Coordinates.Point ?? await LocateAsync(name, cancellationToken);
        DuplicateLink? duplicateOf = null;
        var nameKey = DuplicateFinder.NameKeyForMatching(name, reportHadCoordinates: command.Coordinates.Point is not null);
        if (command.Dedupe && await duplicates.FindAsync(point, nameKey, cancellationToken) is { } duplicate)
        {
            // A retry that raced past the first lookup finds its own twin here.
            if (duplicate.Type == DuplicateLink.PendingType && submitter.UserId is not null && submitter.MessageId is not null
                && duplicate.UserId == submitter.UserId && duplicate.MessageId == submitter.MessageId)
            {
                return (await FindExistingAsync(submitter, cancellationToken))!;
            }

            duplicateOf = duplicate.Link;
        }

        var zoneId = await zones.LocateAsync(point, cancellationToken);
        var photo = extension is null ? photoReference : await photos.SaveAsync(command.Photo!, extension, cancellationToken);
        var marker = PendingMarker.Submit(
            new PointContent(name, point, notes, status, link, category, zoneId, photo),
            submitter,
            Actors.Telegram(submitter.UserId),
            clock.Now(),
            duplicateOf);
        db.PendingMarkers.Add(marker);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            if (extension is not null)
            {
                photos.Discard(photo);
            }

            db.ChangeTracker.Clear();
            return (await FindExistingAsync(submitter, cancellationToken))!;
        }
        catch
        {
            if (extension is not null)
            {
                photos.Discard(photo);
            }

            throw;
        }

        await events.PublishAsync(new PendingCreated(marker.Id, marker.Fields.Name, point.Lat, point.Lon, marker.ZoneId), CancellationToken.None);
        return new SubmitOutcome.Created(marker.Id, duplicateOf);
    }

    private async Task<SubmitOutcome.Existing?> FindExistingAsync(Submitter submitter, CancellationToken cancellationToken)
    {
        if (submitter.UserId is null || submitter.MessageId is null)
        {
            return null;
        }

        var existing = await db.PendingMarkers.AsNoTracking()
            .Where(m => m.UserId == submitter.UserId && m.MessageId == submitter.MessageId)
            .Select(m => new { m.Id, m.State, m.AddressId })
            .FirstOrDefaultAsync(cancellationToken);
        return existing is null ? null : new SubmitOutcome.Existing(existing.Id, existing.State, existing.AddressId);
    }

    private async Task<GeoPoint> LocateAsync(string name, CancellationToken cancellationToken)
    {
        if (name.Length == 0 || await geocoder.LocateAsync(name, cancellationToken) is not { } located)
        {
            throw DomainException.Invalid(GeocodingFailed);
        }

        return located;
    }
}

/// <summary>The bot's input rules, in the predecessor's order (texts, the photo reference, then the coordinates).</summary>
internal sealed class SubmitMarkerValidator : AbstractValidator<SubmitMarkerCommand>
{
    public SubmitMarkerValidator()
    {
        RuleFor(c => c.UserId).TextOfAtMost("user_id", MarkerText.TelegramIdMax);
        RuleFor(c => c.MessageId).TextOfAtMost("message_id", MarkerText.TelegramIdMax);
        RuleFor(c => c.Reporter).TextOfAtMost("reporter", MarkerText.ReporterMax);
        RuleFor(c => c.Name).TextOfAtMost("name", MarkerText.NameMax);
        RuleFor(c => c.Notes).TextOfAtMost("notes", MarkerText.NotesMax);
        RuleFor(c => c.Status).TextOfAtMost("status", MarkerText.StatusMax);
        RuleFor(c => c.Link).TextOfAtMost("link", MarkerText.LinkMax);
        RuleFor(c => c.Category).TextOfAtMost("category", MarkerText.CategoryMax);
        RuleFor(c => c.PhotoReference).Must(IsPhotoReference).WithMessage("photo must be an http(s) URL or an uploaded file name");
        RuleFor(c => c.Coordinates).Must(pair => !pair.AnyInvalid).WithMessage(InputRules.InvalidCoordinates);
    }

    /// <summary>A photo named in JSON: an http(s) URL or the name of a stored upload.</summary>
    private static bool IsPhotoReference(string? reference) =>
        MarkerText.NullIfEmpty(reference) is not { } text
        || (text.Length <= MarkerText.PhotoMax
            && (PhotoStore.IsStoredName(text) || (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")));
}
