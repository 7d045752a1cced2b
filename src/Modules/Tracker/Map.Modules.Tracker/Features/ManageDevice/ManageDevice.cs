using Carter;
using Map.Modules.Admin.Contracts;
using Map.Modules.Tracker.Contracts;
using Map.Modules.Tracker.Domain;
using Map.Modules.Tracker.Sessions;
using Map.Modules.Tracker.Wire;
using Mediator;

namespace Map.Modules.Tracker.Features.ManageDevice;

/// <summary>
/// Superadmin device actions (CSRF): <c>revoke</c> (token refused with 403 <c>revoked_token</c>; the user's open app
/// session is ended and announced), <c>restore</c> (the same token works again) and <c>rotate</c> (a new token, shown
/// once; the old one stops working at once; un-revokes; <c>last_seen_at</c> is not touched). Each is audited through
/// Admin's audit log in the same transaction (<c>tracker.REVOKE_DEVICE</c>, …) and announced as
/// <c>tracker_device_updated</c>.
/// </summary>
internal sealed class ManageDeviceEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/tracker/admin/device/{id}").RequireAuthorization(MapPolicies.Superadmin);
        group.MapPost("/revoke", (string id, ISender sender, CancellationToken ct) => RunAsync(sender, new ManageDeviceCommand(id, DeviceAction.Revoke), ct)).ProducesEnvelope();
        group.MapPost("/restore", (string id, ISender sender, CancellationToken ct) => RunAsync(sender, new ManageDeviceCommand(id, DeviceAction.Restore), ct)).ProducesEnvelope();
        group.MapPost("/rotate", (string id, ISender sender, CancellationToken ct) => RunAsync(sender, new ManageDeviceCommand(id, DeviceAction.Rotate), ct))
            .ProducesEnvelope<TokenRotatedJson>();
    }

    private static async Task<IResult> RunAsync(ISender sender, ManageDeviceCommand command, CancellationToken cancellationToken)
    {
        var result = await sender.Send(command, cancellationToken);
        if (result is null)
        {
            return Envelope.NotFound();
        }

        return command.Action == DeviceAction.Rotate ? Envelope.Ok(new TokenRotatedJson(command.DeviceId, result)) : Envelope.Ok();
    }
}

internal enum DeviceAction
{
    Revoke,
    Restore,
    Rotate,
}

/// <summary>Returns null for an unknown device, the new token for <see cref="DeviceAction.Rotate"/>, else "".</summary>
internal sealed record ManageDeviceCommand(string DeviceId, DeviceAction Action) : ICommand<string?>;

internal sealed class ManageDeviceHandler(TrackerDbContext db, TimeProvider clock, IAuditLog audit, IEventBus events) : ICommandHandler<ManageDeviceCommand, string?>
{
    public async ValueTask<string?> Handle(ManageDeviceCommand command, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var device = await db.Devices.FromSql($"SELECT * FROM tracker.tracker_devices WHERE public_id = {command.DeviceId} FOR UPDATE").FirstOrDefaultAsync(cancellationToken);
        if (device is null)
        {
            return null;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        string result = "";
        TrackingSession? ended = null;
        switch (command.Action)
        {
            case DeviceAction.Revoke:
                device.IsRevoked = true;
                ended = await db.Sessions
                    .Where(s => s.UserId == device.UserId && s.Source == TrackingSession.SourceApp && s.EndedAt == null)
                    .OrderByDescending(s => s.StartedAt)
                    .FirstOrDefaultAsync(cancellationToken);
                ended?.End(now);
                break;
            case DeviceAction.Restore:
                device.IsRevoked = false;
                break;
            case DeviceAction.Rotate:
                var (token, hash) = TrackerDevice.NewToken();
                device.TokenHash = hash;
                device.IsRevoked = false;
                result = token;
                break;
        }

        await db.SaveChangesAsync(cancellationToken);
        var action = command.Action switch
        {
            DeviceAction.Revoke => "tracker.REVOKE_DEVICE",
            DeviceAction.Restore => "tracker.RESTORE_DEVICE",
            _ => "tracker.ROTATE_DEVICE_TOKEN",
        };
        await audit.RecordAsync(db.Database, action, new { device_id = device.PublicId, user_id = device.UserId, ended_session_id = ended?.Id }, cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        if (ended is not null)
        {
            await events.PublishAsync(SessionEvents.Stopped(device.PublicId, device.UserId, ended.ShiftId, ended.Id, null), cancellationToken);
        }

        object data = command.Action == DeviceAction.Rotate
            ? new { device_id = device.PublicId, is_revoked = false, rotated = true }
            : new { device_id = device.PublicId, is_revoked = device.IsRevoked };
        await events.PublishAsync(new TrackerEvent(TrackerEvent.DeviceUpdated, data), cancellationToken);
        return result;
    }
}

internal sealed record TokenRotatedJson(string DeviceId, string NewToken);
