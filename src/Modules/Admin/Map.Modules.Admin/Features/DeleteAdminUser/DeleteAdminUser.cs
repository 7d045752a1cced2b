using Carter;
using Map.Modules.Admin.Contracts;
using Map.Modules.Admin.Domain;
using Mediator;

namespace Map.Modules.Admin.Features.DeleteAdminUser;

/// <summary>
/// <c>DELETE /api/admin/users/{id}</c> → 200 <c>{"status":"ok"}</c> (hard delete; the account's zone links and
/// sessions go with it, so a live cookie stops working at once). 404 <c>{"error":"not found"}</c>; 409 for
/// yourself or the last active superadmin. Audited as <c>user.delete</c>.
/// </summary>
internal sealed class DeleteAdminUserEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapDelete("/api/admin/users/{id:int}", async (int id, HttpContext context, ISender sender, CancellationToken cancellationToken) =>
            {
                await sender.Send(new DeleteAdminUserCommand(id, context.User.AdminId()!.Value), cancellationToken);
                return Results.Json(StatusOk.Value);
            })
            .RequireAuthorization(MapPolicies.Superadmin)
            .Produces<StatusOk>();
}

internal sealed record DeleteAdminUserCommand(int Id, int ActorId) : ICommand<Unit>;

internal sealed class DeleteAdminUserHandler(AdminDbContext db, IAuditLog audit) : ICommandHandler<DeleteAdminUserCommand, Unit>
{
    public async ValueTask<Unit> Handle(DeleteAdminUserCommand command, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await RosterLock.AcquireAsync(db.Database, cancellationToken);
        var user = await db.Users.Include(u => u.Zones).FirstOrDefaultAsync(u => u.Id == command.Id, cancellationToken)
            ?? throw DomainException.NotFound();
        var otherSuperadmins = await db.Users.CountAsync(u => u.Id != user.Id && u.IsActive && u.Role == AdminRole.Superadmin, cancellationToken);
        if (user.RefusalOf(AccountChange.Deletion(user), command.ActorId, otherSuperadmins) is { } refusal)
        {
            throw DomainException.Conflict(refusal);
        }

        var record = new { id = user.Id, username = user.Username, role = user.Role.ToWire(), zones = user.Zones.Select(z => z.ZoneId).Order().ToArray() };

        // Sessions and zone links cascade in the database; deleting sessions explicitly keeps that visible here.
        await db.Sessions.Where(s => s.AdminId == user.Id).ExecuteDeleteAsync(cancellationToken);
        db.Users.Remove(user);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(db.Database, "user.delete", record, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return Unit.Value;
    }
}
