using System.Globalization;
using System.Security.Claims;
using Carter;
using FluentValidation;
using Map.Modules.Admin.Contracts;
using Map.Modules.Markers.Contracts;
using Map.Modules.Markers.Domain;
using Map.Modules.Markers.Infrastructure;
using Mediator;

namespace Map.Modules.Markers.Features.Addresses;

/// <summary>
/// PUT <c>/api/addresses/&lt;id&gt;</c> (editor + access to the current and the new zone): only the fields sent change,
/// and sending one empty clears it (notes, status, link, category, zone_id; the predecessor could not). Name and
/// coordinates stay required. <c>remove_photo</c> truthy drops the photo; a new photo replaces it.
/// 200 <c>{"status":"ok"}</c> and <c>address_updated</c> (JSON and multipart alike); 404 <c>{"error":"Not found"}</c>.
/// </summary>
internal sealed class UpdateAddressEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPut("/api/addresses/{id:long}", async (long id, HttpRequest request, ClaimsPrincipal user, ISender sender, MarkersSettings settings, CancellationToken cancellationToken) =>
            {
                var fields = await RequestBody.ReadAsync(request, MarkerBodies.WithPhoto(settings), cancellationToken);
                await sender.Send(ToCommand(id, user, fields), cancellationToken);
                return Results.Json(StatusOk.Value);
            })
            .RequireAuthorization(MapPolicies.Editor)
            .Produces<StatusOk>()
            .WithFormBody<AddressChangeBody>();

    private static UpdateAddressCommand ToCommand(long id, ClaimsPrincipal user, RequestBody fields)
    {
        static Change<string?>? Present(RequestBody fields, params string[] aliases) =>
            aliases.Any(fields.Has) ? new Change<string?>(fields.FirstText(aliases)) : null;

        Change<int?>? zone = null;
        if (fields.Has("zone_id"))
        {
            var raw = fields.Text("zone_id")?.Trim();
            zone = string.IsNullOrEmpty(raw)
                ? new Change<int?>(null)
                : int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var zoneId)
                    ? new Change<int?>(zoneId)
                    : throw DomainException.Invalid("zone_id must be an integer");
        }

        return new UpdateAddressCommand(
            id,
            user,
            Present(fields, "name", "address"),
            fields.Has("lat") ? fields.Coordinate("lat") : null,
            fields.Has("lon") ? fields.Coordinate("lon") : null,
            Present(fields, "notes", "description"),
            Present(fields, "status"),
            Present(fields, "link"),
            Present(fields, "category"),
            zone,
            fields.Flag("remove_photo"),
            IncomingPhoto.From(fields.File("photo", "file")));
    }
}

internal sealed record UpdateAddressCommand(
    long Id,
    ClaimsPrincipal User,
    Change<string?>? Name,
    CoordinateInput? Lat,
    CoordinateInput? Lon,
    Change<string?>? Notes,
    Change<string?>? Status,
    Change<string?>? Link,
    Change<string?>? Category,
    Change<int?>? ZoneId,
    bool RemovePhoto,
    IncomingPhoto? Photo) : ICommand<Unit>;

/// <summary>404 for an unknown address, then the current zone and a new one (403 before any 400), as in the predecessor.</summary>
internal sealed class UpdateAddressAuthorizer(MarkersDbContext db, IAdminDirectory directory) : IAuthorizer<UpdateAddressCommand>
{
    public async ValueTask AuthorizeAsync(UpdateAddressCommand command, CancellationToken cancellationToken)
    {
        var current = await db.Addresses.Where(a => a.Id == command.Id).Select(a => new { a.ZoneId }).FirstOrDefaultAsync(cancellationToken)
            ?? throw DomainException.NotFound("Not found");
        await ZoneAccess.RequireAllowedAsync(directory, command.User, current.ZoneId, cancellationToken);
        if (command.ZoneId is { Value: var newZone } && newZone != current.ZoneId)
        {
            await ZoneAccess.RequireUsableAsync(db, directory, command.User, newZone, cancellationToken);
        }
    }
}

/// <summary>Only what was sent is checked; name and coordinates, once sent, stay required.</summary>
internal sealed class UpdateAddressValidator : AbstractValidator<UpdateAddressCommand>
{
    public UpdateAddressValidator()
    {
        RuleFor(c => new CoordinatePair(c.Lat ?? CoordinateInput.Absent, c.Lon ?? CoordinateInput.Absent)).ValuesInRange().OverridePropertyName("coordinates");
        RuleFor(c => c.Name!.Value).NotEmpty().WithMessage(InputRules.Required).When(c => c.Name is not null);
        RuleFor(c => c.Name!.Value).TextOfAtMost("name", MarkerText.NameMax).When(c => c.Name is not null);
        RuleFor(c => c.Notes!.Value).TextOfAtMost("notes", MarkerText.NotesMax).When(c => c.Notes is not null);
        RuleFor(c => c.Status!.Value).TextOfAtMost("status", MarkerText.StatusMax).When(c => c.Status is not null);
        RuleFor(c => c.Link!.Value).TextOfAtMost("link", MarkerText.LinkMax).When(c => c.Link is not null);
        RuleFor(c => c.Category!.Value).TextOfAtMost("category", MarkerText.CategoryMax).When(c => c.Category is not null);
    }
}

internal sealed class UpdateAddressHandler(MarkersDbContext db, IAuditLog audit, IEventBus events, PhotoStore photos, TimeProvider clock)
    : ICommandHandler<UpdateAddressCommand, Unit>
{
    public async ValueTask<Unit> Handle(UpdateAddressCommand command, CancellationToken cancellationToken)
    {
        var address = await db.Addresses.FirstOrDefaultAsync(a => a.Id == command.Id, cancellationToken) ?? throw DomainException.NotFound("Not found");
        var patch = BuildPatch(command, address);
        var extension = command.Photo is null ? null : await photos.CheckAsync(command.Photo, cancellationToken);
        var oldPhoto = address.Fields.Photo;
        var oldZone = address.ZoneId;
        var newPhoto = extension is null ? null : await photos.SaveAsync(command.Photo!, extension, cancellationToken);
        if (newPhoto is not null)
        {
            patch = patch with { Photo = new Change<string?>(newPhoto) };
        }
        else if (command.RemovePhoto)
        {
            patch = patch with { Photo = new Change<string?>(null) };
        }

        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            address.Apply(patch, clock.Now());
            await db.SaveChangesAsync(cancellationToken);
            await audit.RecordAsync(db.Database, "address.update", new { id = address.Id, fields = ChangedFields(patch) }, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch
        {
            photos.Discard(newPhoto);
            throw;
        }

        if (patch.Photo is not null && oldPhoto != address.Fields.Photo)
        {
            await photos.DeleteIfUnusedAsync(db, oldPhoto, CancellationToken.None);
        }

        if (oldZone is not null && oldZone != address.ZoneId)
        {
            // Viewers of the old zone lose sight of the point: for them it is gone.
            await events.PublishAsync(new AddressDeleted(address.Id, oldZone), CancellationToken.None);
        }

        await events.PublishAsync(new AddressUpdated(address.ToView()), CancellationToken.None);
        return Unit.Value;
    }

    private static AddressPatch BuildPatch(UpdateAddressCommand command, Address address)
    {
        Change<GeoPoint>? point = null;
        if (command.Lat is not null || command.Lon is not null)
        {
            // A coordinate sent alone moves the point along one axis; the other keeps its stored value, which a row
            // without coordinates does not have.
            var pair = new CoordinatePair(command.Lat ?? Stored(address.Fields.Lat), command.Lon ?? Stored(address.Fields.Lon));
            point = new Change<GeoPoint>(pair.Point ?? throw DomainException.Invalid(InputRules.Required));
        }

        return new AddressPatch(
            command.Name is null ? null : new Change<string>(command.Name.Value!.Trim()),
            point,
            Text(command.Notes),
            Text(command.Status),
            Text(command.Link),
            Text(command.Category),
            command.ZoneId);
    }

    private static CoordinateInput Stored(double? value) =>
        value is { } stored ? new CoordinateInput(CoordinateInputKind.Value, stored) : CoordinateInput.Absent;

    private static Change<string?>? Text(Change<string?>? change) => change is null ? null : new Change<string?>(MarkerText.NullIfEmpty(change.Value));

    private static string[] ChangedFields(AddressPatch patch) =>
    [
        .. new (string Name, object? Change)[]
        {
            ("name", patch.Name), ("coordinates", patch.Point), ("notes", patch.Notes), ("status", patch.Status), ("link", patch.Link),
            ("category", patch.Category), ("zone_id", patch.ZoneId), ("photo", patch.Photo),
        }.Where(f => f.Change is not null).Select(f => f.Name),
    ];
}

/// <summary>
/// The fields to change (absent: kept; an empty <c>zone_id</c>: none), as form fields or JSON, with aliases as for a new
/// address; <c>remove_photo</c> drops the photo, a <c>photo</c> part replaces it.
/// </summary>
internal sealed record AddressChangeBody(
    string? Name, double? Lat, double? Lon, string? Notes, string? Status, string? Link, string? Category, int? ZoneId, bool? RemovePhoto, IFormFile? Photo);
