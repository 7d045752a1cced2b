using Carter;
using FluentValidation;
using Map.Modules.Admin.Contracts;
using Map.Modules.Markers.Domain;
using Mediator;

namespace Map.Modules.Markers.Features.Zones;

/// <summary>POST <c>/zones</c> (superadmin) <c>{description, color, icon, geometry}</c> → 200 <c>{"id":n}</c>; audited.</summary>
internal sealed class CreateZoneEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        foreach (var prefix in ZoneRoutes.Prefixes)
        {
            app.MapPost(prefix, async (HttpRequest request, ISender sender, CancellationToken cancellationToken) =>
                {
                    var body = await ZoneBody.ReadAsync(request, cancellationToken);
                    var id = await sender.Send(new CreateZoneCommand(body.Description, body.Color, body.Icon, body.GeometryJson), cancellationToken);
                    return Results.Json(new CreatedZoneJson(id));
                })
                .RequireAuthorization(MapPolicies.Superadmin)
                .Produces<CreatedZoneJson>()
                .WithRequestBody<ZoneRequestBody>();
        }
    }
}

/// <summary>The answer: <c>{id}</c> of the new zone.</summary>
internal sealed record CreatedZoneJson(int Id);

internal sealed record CreateZoneCommand(string? Description, string? Color, string? Icon, string? Geometry) : ICommand<int>, IZoneFields;

internal sealed class CreateZoneValidator : ZoneFieldsValidator<CreateZoneCommand>
{
    public CreateZoneValidator() => RuleFor(z => z.Geometry).NotNull().WithMessage("geometry is required");
}

internal sealed class CreateZoneHandler(MarkersDbContext db, IAuditLog audit) : ICommandHandler<CreateZoneCommand, int>
{
    public async ValueTask<int> Handle(CreateZoneCommand command, CancellationToken cancellationToken)
    {
        var zone = Zone.Create(command.Description, command.Color!, command.Icon, command.Geometry!);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Zones.Add(zone);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(db.Database, "zone.create", new { id = zone.Id, description = zone.Description, color = zone.Color }, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return zone.Id;
    }
}
