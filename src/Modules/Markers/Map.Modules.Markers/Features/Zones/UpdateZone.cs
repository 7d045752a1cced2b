using Carter;
using Map.Modules.Admin.Contracts;
using Mediator;

namespace Map.Modules.Markers.Features.Zones;

/// <summary>
/// PUT <c>/zones/&lt;id&gt;</c> (superadmin): same body; a missing geometry keeps the stored polygon → 200 <c>{"status":"ok"}</c>;
/// 404 <c>{"error":"not found"}</c>. Requests keep the zone they were given on arrival.
/// </summary>
internal sealed class UpdateZoneEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        foreach (var prefix in ZoneRoutes.Prefixes)
        {
            app.MapPut(prefix + "/{id:int}", async (int id, HttpRequest request, ISender sender, CancellationToken cancellationToken) =>
                {
                    var body = await ZoneBody.ReadAsync(request, cancellationToken);
                    await sender.Send(new UpdateZoneCommand(id, body.Description, body.Color, body.Icon, body.GeometryJson), cancellationToken);
                    return Results.Json(StatusOk.Value);
                })
                .RequireAuthorization(MapPolicies.Superadmin)
                .Produces<StatusOk>()
                .WithRequestBody<ZoneRequestBody>();
        }
    }
}

internal sealed record UpdateZoneCommand(int Id, string? Description, string? Color, string? Icon, string? Geometry) : ICommand<Unit>, IZoneFields;

internal sealed class UpdateZoneValidator : ZoneFieldsValidator<UpdateZoneCommand>;

internal sealed class UpdateZoneHandler(MarkersDbContext db, IAuditLog audit) : ICommandHandler<UpdateZoneCommand, Unit>
{
    public async ValueTask<Unit> Handle(UpdateZoneCommand command, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var zone = await db.Zones.FirstOrDefaultAsync(z => z.Id == command.Id, cancellationToken) ?? throw DomainException.NotFound();
        zone.Update(command.Description, command.Color!, command.Icon, command.Geometry);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(
            db.Database, "zone.update", new { id = zone.Id, description = zone.Description, color = zone.Color, geometry_changed = command.Geometry is not null }, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return Unit.Value;
    }
}
