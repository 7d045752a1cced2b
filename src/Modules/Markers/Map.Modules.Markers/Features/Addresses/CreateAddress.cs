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
/// POST <c>/api/addresses</c> (editor), JSON or form (multipart with <c>photo</c>|<c>file</c>): name|address,
/// notes|description, lat, lon, status, link, category, zone_id → 200 <c>{"id":n}</c> and <c>address_created</c>.
/// 403 for a zone the editor may not use (checked first), 400 <c>Invalid coordinates</c>, 400
/// <c>name, lat, lon are required</c> (the predecessor stored points without them), 400/413 for a bad photo.
/// </summary>
internal sealed class CreateAddressEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPost("/api/addresses", async (HttpRequest request, ClaimsPrincipal user, ISender sender, MarkersSettings settings, CancellationToken cancellationToken) =>
            {
                var fields = await RequestBody.ReadAsync(request, MarkerBodies.WithPhoto(settings), cancellationToken);
                var id = await sender.Send(
                    new CreateAddressCommand(
                        user,
                        fields.FirstText("name", "address"),
                        new CoordinatePair(fields.Coordinate("lat"), fields.Coordinate("lon")),
                        fields.FirstText("notes", "description"),
                        fields.Text("status"),
                        fields.Text("link"),
                        fields.Text("category"),
                        fields.LenientInt("zone_id"),
                        IncomingPhoto.From(fields.File("photo", "file"))),
                    cancellationToken);
                return Results.Json(new CreatedAddressJson(id));
            })
            .RequireAuthorization(MapPolicies.Editor)
            .Produces<CreatedAddressJson>()
            .WithFormBody<NewAddressBody>();
}

/// <summary>The answer: <c>{id}</c> of the new address.</summary>
internal sealed record CreatedAddressJson(long Id);

internal sealed record CreateAddressCommand(
    ClaimsPrincipal User,
    string? Name,
    CoordinatePair Coordinates,
    string? Notes,
    string? Status,
    string? Link,
    string? Category,
    int? ZoneId,
    IncomingPhoto? Photo) : ICommand<long>;

/// <summary>The zone is checked before the input (403 before 400), as in the predecessor.</summary>
internal sealed class CreateAddressAuthorizer(MarkersDbContext db, IAdminDirectory directory) : IAuthorizer<CreateAddressCommand>
{
    public async ValueTask AuthorizeAsync(CreateAddressCommand command, CancellationToken cancellationToken) =>
        await ZoneAccess.RequireUsableAsync(db, directory, command.User, command.ZoneId, cancellationToken);
}

internal sealed class CreateAddressValidator : AbstractValidator<CreateAddressCommand>
{
    public CreateAddressValidator()
    {
        this.RequireNamedPoint(c => c.Name, c => c.Coordinates);
        RuleFor(c => c.Notes).TextOfAtMost("notes", MarkerText.NotesMax);
        RuleFor(c => c.Status).TextOfAtMost("status", MarkerText.StatusMax);
        RuleFor(c => c.Link).TextOfAtMost("link", MarkerText.LinkMax);
        RuleFor(c => c.Category).TextOfAtMost("category", MarkerText.CategoryMax);
    }
}

internal sealed class CreateAddressHandler(MarkersDbContext db, IAuditLog audit, IEventBus events, PhotoStore photos, TimeProvider clock)
    : ICommandHandler<CreateAddressCommand, long>
{
    public async ValueTask<long> Handle(CreateAddressCommand command, CancellationToken cancellationToken)
    {
        var content = new PointContent(
            command.Name!.Trim(),
            command.Coordinates.Point!.Value,
            MarkerText.NullIfEmpty(command.Notes),
            MarkerText.NullIfEmpty(command.Status),
            MarkerText.NullIfEmpty(command.Link),
            MarkerText.NullIfEmpty(command.Category),
            command.ZoneId,
            null);
        var extension = command.Photo is null ? null : await photos.CheckAsync(command.Photo, cancellationToken);

        var photo = extension is null ? null : await photos.SaveAsync(command.Photo!, extension, cancellationToken);
        var address = Address.Create(content with { Photo = photo }, clock.Now());
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            db.Addresses.Add(address);
            await db.SaveChangesAsync(cancellationToken);
            await audit.RecordAsync(db.Database, "address.create", new { id = address.Id, name = address.Fields.Name, zone_id = address.ZoneId }, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch
        {
            photos.Discard(photo);
            throw;
        }

        await events.PublishAsync(new AddressCreated(address.ToView()), CancellationToken.None);
        return address.Id;
    }
}

/// <summary>
/// A new address as form fields (multipart with a <c>photo</c>, alias <c>file</c>) or JSON; <c>address</c> is an alias of
/// <c>name</c>, <c>description</c> of <c>notes</c>.
/// </summary>
internal sealed record NewAddressBody(string Name, double Lat, double Lon, string? Notes, string? Status, string? Link, string? Category, int? ZoneId, IFormFile? Photo);
