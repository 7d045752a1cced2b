using System.Security.Claims;
using Carter;
using FluentValidation;
using Map.Modules.Admin.Contracts;
using Map.Modules.Markers.Domain;
using Map.Modules.Markers.Infrastructure;
using Mediator;

namespace Map.Modules.Markers.Features.ApprovePending;

/// <summary>
/// POST <c>/api/pending/&lt;pid&gt;/approve</c> (editor + zone), optional <c>{"reason"}</c> → 200 <c>{"status":"ok","id":address}</c>.
/// In one transaction: an address copying name, point, notes, status, link, category, zone and photo; the request
/// marked approved (kept); a history line with the admin and reason; an audit row. Then <c>pending_approved</c>,
/// <c>MARKER_APPROVED</c> and <c>address_created</c>. 404 / 403 / 409 per <see cref="Moderation.LockPendingAsync"/>.
/// </summary>
internal sealed class ApprovePendingEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPost("/api/pending/{pid:int}/approve", async (int pid, HttpRequest request, ClaimsPrincipal user, ISender sender, CancellationToken cancellationToken) =>
            {
                var addressId = await sender.Send(new ApprovePendingCommand(pid, user, await Moderation.ReadReasonAsync(request, cancellationToken)), cancellationToken);
                return Results.Json(new ApprovedJson("ok", addressId));
            })
            .RequireAuthorization(MapPolicies.Editor)
            .Produces<ApprovedJson>()
            .WithRequestBody<ModerationReasonBody>(required: false);
}

/// <summary>The answer: <c>{status:"ok", id}</c> with the new address id.</summary>
internal sealed record ApprovedJson(string Status, long Id);

internal sealed record ApprovePendingCommand(int Id, ClaimsPrincipal User, string? Reason) : ICommand<long>;

internal sealed class ApprovePendingValidator : AbstractValidator<ApprovePendingCommand>
{
    public ApprovePendingValidator() => RuleFor(c => c.Reason).TextOfAtMost("reason", PendingHistoryEntry.ReasonMax);
}

internal sealed class ApprovePendingHandler(MarkersDbContext db, IAdminDirectory directory, IAuditLog audit, IEventBus events, TimeProvider clock)
    : ICommandHandler<ApprovePendingCommand, long>
{
    public async ValueTask<long> Handle(ApprovePendingCommand command, CancellationToken cancellationToken)
    {
        var scope = await directory.ScopeOfAsync(command.User, cancellationToken);
        PendingMarker marker;
        Address address;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            marker = await Moderation.LockPendingAsync(db, scope, command.Id, cancellationToken);
            if (!marker.Fields.HasPoint)
            {
                throw DomainException.Invalid("the request has no coordinates; edit it as an address instead");
            }

            var now = clock.Now();
            address = Address.Create(marker.ToAddressContent(), now);
            db.Addresses.Add(address);
            await db.SaveChangesAsync(cancellationToken);
            marker.Approve(address.Id, Actors.Name(command.User), command.Reason, now);
            await db.SaveChangesAsync(cancellationToken);
            await audit.RecordAsync(db.Database, "pending.approve", new { pending_id = marker.Id, address_id = address.Id, reason = command.Reason }, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        await Moderation.PublishApprovedAsync(events, marker, address, addressIsNew: true);
        return address.Id;
    }
}
