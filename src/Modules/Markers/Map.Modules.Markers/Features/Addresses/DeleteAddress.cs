using System.Security.Claims;
using Carter;
using Map.Modules.Admin.Contracts;
using Map.Modules.Markers.Contracts;
using Map.Modules.Markers.Infrastructure;
using Mediator;

namespace Map.Modules.Markers.Features.Addresses;

/// <summary>
/// DELETE <c>/api/addresses/&lt;id&gt;</c> (editor + zone) → 200 <c>{"status":"ok"}</c> and <c>address_deleted {id}</c>;
/// 404 <c>{"error":"Not found"}</c>. Its photo file goes too unless a request still shows it.
/// </summary>
internal sealed class DeleteAddressEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapDelete("/api/addresses/{id:long}", async (long id, ClaimsPrincipal user, ISender sender, CancellationToken cancellationToken) =>
            {
                await sender.Send(new DeleteAddressCommand(id, user), cancellationToken);
                return Results.Json(StatusOk.Value);
            })
            .RequireAuthorization(MapPolicies.Editor)
            .Produces<StatusOk>();
}

internal sealed record DeleteAddressCommand(long Id, ClaimsPrincipal User) : ICommand<Unit>;

internal sealed class DeleteAddressHandler(MarkersDbContext db, IAdminDirectory directory, IAuditLog audit, IEventBus events, PhotoStore photos)
    : ICommandHandler<DeleteAddressCommand, Unit>
{
    public async ValueTask<Unit> Handle(DeleteAddressCommand command, CancellationToken cancellationToken)
    {
        var address = await db.Addresses.FirstOrDefaultAsync(a => a.Id == command.Id, cancellationToken) ?? throw DomainException.NotFound("Not found");
        await ZoneAccess.RequireAllowedAsync(directory, command.User, address.ZoneId, cancellationToken);
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            db.Addresses.Remove(address);
            await db.SaveChangesAsync(cancellationToken);
            await audit.RecordAsync(db.Database, "address.delete", new { id = address.Id, name = address.Fields.Name }, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        await photos.DeleteIfUnusedAsync(db, address.Fields.Photo, CancellationToken.None);
        await events.PublishAsync(new AddressDeleted(address.Id, address.ZoneId), CancellationToken.None);
        return Unit.Value;
    }
}
