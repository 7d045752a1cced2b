using Map.Modules.Markers.Contracts;
using Map.Modules.Markers.Data;
using Map.Modules.Markers.Domain;
using Map.Modules.Markers.Geocoding;
using Map.Modules.Markers.Infrastructure;
using Map.SharedKernel;
using Mediator;
using Microsoft.EntityFrameworkCore;
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
            InputRules.Text("user_id", command.UserId, MarkerText.TelegramIdMax),
            InputRules.Text("message_id", command.MessageId, MarkerText.TelegramIdMax),
            InputRules.Text("reporter", command.Reporter, MarkerText.ReporterMax));
        var name = InputRules.Text("name", command.Name, MarkerText.NameMax) ?? "";
        var notes = InputRules.Text("notes", command.Notes, MarkerText.NotesMax);
        var status = InputRules.Text("status", command.Status, MarkerText.StatusMax) ?? DefaultStatus;
        var link = InputRules.Text("link", command.Link, MarkerText.LinkMax);
        var category = InputRules.Text("category", command.Category, MarkerText.CategoryMax) ?? DefaultCategory;
        var photoReference = PhotoReferences.Check(command.PhotoReference);
        if (command.Coordinates.AnyInvalid)
        {
            throw DomainException.Invalid(InputRules.InvalidCoordinates);
        }

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

        await events.PublishAsync(new PendingCreated(marker.Id, marker.Name, point.Lat, point.Lon, marker.ZoneId), CancellationToken.None);
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

internal static class PhotoReferences
{
    /// <summary>A photo named in JSON: an http(s) URL or the name of a stored upload; anything else is a 400.</summary>
    public static string? Check(string? reference)
    {
        var text = MarkerText.NullIfEmpty(reference);
        if (text is null)
        {
            return null;
        }

        var valid = text.Length <= MarkerText.PhotoMax
            && (PhotoStore.IsStoredName(text)
                || (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"));
        return valid ? text : throw DomainException.Invalid("photo must be an http(s) URL or an uploaded file name");
    }
}
