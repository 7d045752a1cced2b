using System.Globalization;
using System.Text.Json;
using Carter;
using FluentValidation;
using Map.Modules.Chat.EventChat;
using Map.Modules.Duty.Contracts;
using Mediator;

namespace Map.Modules.Chat.Features.Chat2EnsureChannel;

/// <summary>
/// Creating channels (chat spec §3.2 rows 1, 16–18): <c>create_channel</c> (editor), <c>ensure_shift_channel</c> (viewer,
/// or a phone for a shift of its own user, which then joins the channel), <c>ensure_incident_channel</c> (viewer),
/// <c>ensure_dm_channel</c> (editor, with the calling admin and a device). Shift and incident channels are one per shift
/// or incident, DMs one per (admin, device): a second call, concurrent or not, gets the existing channel.
/// </summary>
internal sealed class Chat2ChannelEndpoints : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        app.MapPost(Chat2Http.Prefix + "/create_channel", async (HttpContext context, ISender sender, CancellationToken cancellationToken) =>
        {
            var caller = Chat2Identity.RequireAdmin(context, AdminRole.Editor);
            var body = await RequestBody.ReadAsync(context.Request, Chat2Http.Json, cancellationToken);
            var result = await sender.Send(
                new EnsureChannelCommand(caller, body.Text("type")?.Trim() ?? "", IdOf(body, "shift_id"), IdOf(body, "marker_id"), null, Members(body)),
                cancellationToken);
            var c = result.Channel;
            return Results.Json(new { id = c.Id, type = c.Type, shift_id = c.ShiftId, marker_id = c.MarkerId }, statusCode: result.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
        }).RequireAuthorization(MapPolicies.Editor)
            .Produces<Wire.Chat2ChannelCreatedJson>().Produces<Wire.Chat2ChannelCreatedJson>(StatusCodes.Status201Created).WithRequestBody<Wire.Chat2CreateChannelBody>();

        app.MapPost(Chat2Http.Prefix + "/ensure_shift_channel", async (HttpContext context, ISender sender, CancellationToken cancellationToken) =>
        {
            var (caller, deviceUserId) = await Chat2Identity.ResolveWithUserAsync(context);
            if (caller.IsAdmin)
            {
                caller = Chat2Identity.RequireAdmin(context, AdminRole.Viewer);
            }

            var body = await RequestBody.ReadAsync(context.Request, Chat2Http.Json, cancellationToken);
            var result = await sender.Send(new EnsureChannelCommand(caller, ChannelTypes.Shift, IdOf(body, "shift_id"), null, null, Members(body)) { DeviceUserId = deviceUserId }, cancellationToken);
            return Results.Json(new { id = result.Channel.Id, created = result.Created });
        }).AdminOrDevice().Produces<Wire.Chat2ShiftChannelJson>().WithRequestBody<Wire.Chat2ShiftChannelBody>();

        app.MapPost(Chat2Http.Prefix + "/ensure_incident_channel", async (HttpContext context, ISender sender, CancellationToken cancellationToken) =>
        {
            var caller = Chat2Identity.RequireAdmin(context, AdminRole.Viewer);
            var body = await RequestBody.ReadAsync(context.Request, Chat2Http.Json, cancellationToken);
            var result = await sender.Send(new EnsureChannelCommand(caller, ChannelTypes.Incident, null, IdOf(body, "marker_id"), null, Members(body)), cancellationToken);
            return Results.Json(new { id = result.Channel.Id, type = result.Channel.Type, marker_id = result.Channel.MarkerId });
        }).RequireAuthorization(MapPolicies.Viewer).Produces<Wire.Chat2IncidentChannelJson>().WithRequestBody<Wire.Chat2IncidentChannelBody>();

        app.MapPost(Chat2Http.Prefix + "/ensure_dm_channel", async (HttpContext context, ISender sender, CancellationToken cancellationToken) =>
        {
            var caller = Chat2Identity.RequireAdmin(context, AdminRole.Editor);
            var body = await RequestBody.ReadAsync(context.Request, Chat2Http.Json, cancellationToken);
            var device = body.Text("device_id")?.Trim() ?? "";
            var result = await sender.Send(new EnsureChannelCommand(caller, ChannelTypes.Dm, null, null, device, []), cancellationToken);
            return Results.Json(new { id = result.Channel.Id, type = result.Channel.Type }, statusCode: result.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
        }).RequireAuthorization(MapPolicies.Editor)
            .Produces<Wire.Chat2DmChannelJson>().Produces<Wire.Chat2DmChannelJson>(StatusCodes.Status201Created).WithRequestBody<Wire.Chat2DmChannelBody>();
    }

    /// <summary>An id as given: a JSON number or a numeric string; anything else is kept as text for the validator.</summary>
    private static ChannelRef IdOf(RequestBody body, string name) => body.Json(name) switch
    {
        null => new ChannelRef(name, null, false),
        { ValueKind: JsonValueKind.Null } => new ChannelRef(name, null, false),
        { ValueKind: JsonValueKind.Number } n when n.TryGetInt32(out var value) => new ChannelRef(name, value, false),
        { ValueKind: JsonValueKind.String } s when int.TryParse(s.GetString()?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) => new ChannelRef(name, value, false),
        { ValueKind: JsonValueKind.String } s when string.IsNullOrWhiteSpace(s.GetString()) => new ChannelRef(name, null, false),
        _ => new ChannelRef(name, null, true),
    };

    private static IReadOnlyList<(string? Type, string? Id)>? Members(RequestBody body) => body.Json("members") switch
    {
        null or { ValueKind: JsonValueKind.Null } => [],
        { ValueKind: JsonValueKind.Array } array => [.. array.EnumerateArray().Select(m => m.ValueKind == JsonValueKind.Object
            ? (Text(m, "member_type"), Text(m, "member_id"))
            : ((string?)null, (string?)"\0"))],
        _ => null,
    };

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()?.Trim() : null;
}

/// <summary>A shift or marker id from the body; <see cref="Invalid"/> when it was given but is not an integer.</summary>
internal sealed record ChannelRef(string Name, int? Value, bool Invalid);

internal sealed record EnsureChannelCommand(Chat2Caller Caller, string Type, ChannelRef? ShiftId, ChannelRef? MarkerId, string? DeviceId, IReadOnlyList<(string? Type, string? Id)>? Members)
    : ICommand<(Channel2 Channel, bool Created)>
{
    /// <summary>For a phone: the Tracker user of its device, who must own the shift.</summary>
    public string? DeviceUserId { get; init; }
}

internal sealed class EnsureChannelValidator : AbstractValidator<EnsureChannelCommand>
{
    public EnsureChannelValidator()
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleFor(c => c.Type).NotEmpty().WithMessage("type is required")
            .Must(ChannelTypes.IsKnown).WithMessage("type must be shift, incident or dm");
        RuleFor(c => c.ShiftId).Must(r => r is null || !r.Invalid).WithMessage("shift_id must be int");
        RuleFor(c => c.MarkerId).Must(r => r is null || !r.Invalid).WithMessage("marker_id must be integer");
        RuleFor(c => c.ShiftId).Must(r => r?.Value is > 0).When(c => c.Type == ChannelTypes.Shift).WithMessage("shift_id is required");
        RuleFor(c => c.MarkerId).Must(r => r?.Value is > 0).When(c => c.Type == ChannelTypes.Incident).WithMessage("marker_id is required");
        RuleFor(c => c.DeviceId).NotEmpty().When(c => c.DeviceId is not null).WithMessage("device_id is required")
            .MaximumLength(Chat2Limits.MemberIdMaxLength).WithMessage($"device_id is too long (at most {Chat2Limits.MemberIdMaxLength} characters)");
        RuleFor(c => c.Members).NotNull().WithMessage("members must be a list of {member_type, member_id}");
        RuleForEach(c => c.Members)
            .Must(m => m.Id != "\0").WithMessage("members must be a list of {member_type, member_id}")
            .Must(m => string.IsNullOrEmpty(m.Id) || MemberTypes.IsKnown(m.Type)).WithMessage("member_type must be admin or tracker")
            .Must(m => (m.Id?.Length ?? 0) <= Chat2Limits.MemberIdMaxLength).WithMessage($"member_id is too long (at most {Chat2Limits.MemberIdMaxLength} characters)");
        // A phone joins the channel itself; it may not add anyone else to it.
        RuleFor(c => c.Members).Must(m => m!.All(x => string.IsNullOrEmpty(x.Id))).When(c => !c.Caller.IsAdmin && c.Members is not null)
            .WithMessage("members may be given by admins only");
    }
}

internal sealed class EnsureChannelHandler(Chat2ChannelStore channels, IDutyShifts shifts) : ICommandHandler<EnsureChannelCommand, (Channel2 Channel, bool Created)>
{
    public async ValueTask<(Channel2 Channel, bool Created)> Handle(EnsureChannelCommand command, CancellationToken cancellationToken)
    {
        // Blank entries are skipped (chat spec §3.2 create_channel).
        var members = (command.Members ?? []).Where(m => !string.IsNullOrEmpty(m.Id)).Select(m => new MemberRef2(m.Type!, m.Id!)).ToList();
        if (!command.Caller.IsAdmin)
        {
            // "A device on that shift" (chat spec §3.2 row 16): the shift is its user's, asked of Duty through its contract.
            // Someone else's shift and one that does not exist are the same 403, so a phone learns nothing about them.
            var owner = command.Type == ChannelTypes.Shift && command.ShiftId?.Value is { } shiftId
                ? await shifts.GetShiftUserIdAsync(shiftId, cancellationToken)
                : null;
            if (owner is null || owner != command.DeviceUserId)
            {
                throw DomainException.Forbidden();
            }

            // The phone joins the channel, so its later send and sync pass the membership check.
            members.Add(new MemberRef2(MemberTypes.Tracker, command.Caller.Id));
        }

        string? dmKey = null;
        if (command.Type == ChannelTypes.Dm && command.DeviceId is { } device)
        {
            dmKey = $"admin:{command.Caller.Id}|tracker:{device}";
            members.Add(new MemberRef2(MemberTypes.Admin, command.Caller.Id));
            members.Add(new MemberRef2(MemberTypes.Tracker, device));
        }

        return await channels.EnsureAsync(
            command.Type,
            command.Type == ChannelTypes.Shift ? command.ShiftId?.Value : null,
            command.Type == ChannelTypes.Incident ? command.MarkerId?.Value : null,
            dmKey,
            members,
            cancellationToken);
    }
}
