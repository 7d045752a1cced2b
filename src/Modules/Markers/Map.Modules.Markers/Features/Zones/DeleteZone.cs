using Carter;
using Map.Modules.Admin.Contracts;
using Map.Modules.Markers.Contracts;
using Mediator;

namespace Map.Modules.Markers.Features.Zones;

/// <summary>
/// DELETE <c>/zones/&lt;id&gt;</c> (superadmin) → 200 <c>{"status":"ok"}</c>; 404 <c>{"error":"not found"}</c>. In one
/// transaction: its addresses and requests become zone-less, its admins lose it, the zone goes, and an audit row.
/// Each address that changed is announced with <c>address_updated</c> (now visible to every admin).
/// </summary>
internal sealed class DeleteZoneEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        foreach (var prefix in ZoneRoutes.Prefixes)
        {
            app.MapDelete(prefix + "/{id:int}", async (int id, ISender sender, CancellationToken cancellationToken) =>
                {
                    await sender.Send(new DeleteZoneCommand(id), cancellationToken);
                    return Results.Json(StatusOk.Value);
                })
                .RequireAuthorization(MapPolicies.Superadmin)
                .Produces<StatusOk>();
        }
    }
}

internal sealed record DeleteZoneCommand(int Id) : ICommand<Unit>;

internal sealed class DeleteZoneHandler(MarkersDbContext db, IAdminDirectory directory, IAuditLog audit, IEventBus events, TimeProvider clock)
    : ICommandHandler<DeleteZoneCommand, Unit>
{
    private const int EventBatch = 500;

    public async ValueTask<Unit> Handle(DeleteZoneCommand command, CancellationToken cancellationToken)
    {
        long[] unlinked;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            var zone = await db.Zones.FirstOrDefaultAsync(z => z.Id == command.Id, cancellationToken) ?? throw DomainException.NotFound();
            var now = clock.Now();
            unlinked = [.. await db.Addresses.Where(a => a.ZoneId == zone.Id).Select(a => a.Id).ToListAsync(cancellationToken)];
            await db.Addresses.Where(a => a.ZoneId == zone.Id)
                .ExecuteUpdateAsync(a => a.SetProperty(x => x.ZoneId, (int?)null).SetProperty(x => x.UpdatedAt, now), cancellationToken);
            var requests = await db.PendingMarkers.Where(m => m.ZoneId == zone.Id).ExecuteUpdateAsync(m => m.SetProperty(x => x.ZoneId, (int?)null), cancellationToken);
            await directory.UnlinkZoneAsync(db.Database, zone.Id, cancellationToken);
            db.Zones.Remove(zone);
            await db.SaveChangesAsync(cancellationToken);
            await audit.RecordAsync(db.Database, "zone.delete", new { id = zone.Id, addresses_unlinked = unlinked.Length, requests_unlinked = requests }, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        foreach (var batch in unlinked.Chunk(EventBatch))
        {
            var addresses = await db.Addresses.AsNoTracking().Where(a => batch.Contains(a.Id)).OrderBy(a => a.Id).ToListAsync(CancellationToken.None);
            foreach (var address in addresses)
            {
                await events.PublishAsync(new AddressUpdated(address.ToView()), CancellationToken.None);
            }
        }

        return Unit.Value;
    }
}
