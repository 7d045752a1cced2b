using System.Text.Json;
using Carter;
using Map.Modules.Tracker.Auth;
using Map.Modules.Tracker.Contracts;
using Map.Modules.Tracker.Wire;
using Mediator;

namespace Map.Modules.Tracker.Features.UpdateProfile;

/// <summary>
/// <c>POST /api/tracker/profile</c> (device): replaces the officer profile (six trimmed, truncated strings; empty keys
/// dropped). A device without a label takes duty_number, else full_name, else its public id.
/// </summary>
internal sealed class UpdateProfileEndpoint : ICarterModule
{
    private static readonly (string Name, int Max)[] Fields =
        [("full_name", 128), ("duty_number", 64), ("unit", 128), ("position", 128), ("rank", 64), ("phone", 64)];

    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPost("/api/tracker/profile", HandleAsync).RequireDevice().ProducesEnvelope<UpdateProfileResult>().WithRequestBody<ProfileBody>(required: false);

    private static async Task<IResult> HandleAsync(HttpContext context, TrackerOptions options, ISender sender, CancellationToken cancellationToken)
    {
        var body = await TrackerBody.ReadObjectAsync(context.Request, options.MaxDeviceBodyBytes, cancellationToken);
        var profile = new Dictionary<string, string>();
        foreach (var (name, max) in Fields)
        {
            if (body.Text(name, max) is { } value)
            {
                profile[name] = value;
            }
        }

        var result = await sender.Send(new UpdateProfileCommand(context.Device(), profile), cancellationToken);
        return Envelope.Ok(result);
    }
}

internal sealed record UpdateProfileCommand(DeviceIdentity Device, Dictionary<string, string> Profile) : ICommand<UpdateProfileResult>;

internal sealed record UpdateProfileResult(string? Label, Dictionary<string, string> Profile, string DeviceId);

internal sealed class UpdateProfileHandler(TrackerDbContext db, IEventBus events) : ICommandHandler<UpdateProfileCommand, UpdateProfileResult>
{
    public async ValueTask<UpdateProfileResult> Handle(UpdateProfileCommand command, CancellationToken cancellationToken)
    {
        var device = await db.Devices.FirstAsync(d => d.Id == command.Device.Id, cancellationToken);
        device.ProfileJson = JsonSerializer.Serialize(command.Profile);
        if (string.IsNullOrWhiteSpace(device.Label))
        {
            device.Label = command.Profile.GetValueOrDefault("duty_number") ?? command.Profile.GetValueOrDefault("full_name") ?? device.PublicId;
        }

        await db.SaveChangesAsync(cancellationToken);
        await events.PublishAsync(new TrackerEvent(TrackerEvent.Profile, new
        {
            device_id = device.PublicId,
            user_id = device.UserId,
            label = device.Label,
            profile = command.Profile,
        }), cancellationToken);
        return new UpdateProfileResult(device.Label, command.Profile, device.PublicId);
    }
}

/// <summary>The officer's profile (each text cut to its length; absent or empty fields are not kept).</summary>
internal sealed record ProfileBody(string? FullName, string? DutyNumber, string? Unit, string? Position, string? Rank, string? Phone);
