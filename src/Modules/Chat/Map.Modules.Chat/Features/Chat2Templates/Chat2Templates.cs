using Carter;
using FluentValidation;
using Map.Modules.Chat.EventChat;
using Mediator;

namespace Map.Modules.Chat.Features.Chat2Templates;

/// <summary>
/// Quick templates: <c>GET /api/chat2/templates</c> (ID2) → <c>[{id,text}]</c>; <c>POST /api/chat2/send_template
/// {channel_id, template_id, client_msg_id?}</c> (ID2 + membership) → 201 <c>Msg2</c> of kind <c>template</c> with
/// <c>meta_json={"template_id":…}</c>. An unknown template is 404 <c>template not found</c> and stores nothing. The
/// optional <c>client_msg_id</c> makes it idempotent like <c>send</c>.
/// </summary>
internal sealed class Chat2TemplatesEndpoints : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        app.MapGet(Chat2Http.Prefix + "/templates", async (HttpContext context) =>
        {
            await Chat2Identity.ResolveAsync(context);
            return Results.Json(Templates.All.Select(t => new { id = t.Id, text = t.Text }));
        }).AdminOrDevice().Produces<IEnumerable<Wire.Chat2TemplateJson>>();

        app.MapPost(Chat2Http.Prefix + "/send_template", async (HttpContext context, ISender sender, CancellationToken cancellationToken) =>
        {
            var caller = await Chat2Identity.ResolveAsync(context);
            var body = await RequestBody.ReadAsync(context.Request, Chat2Http.Json, cancellationToken);
            var posted = await sender.Send(
                new Chat2SendTemplateCommand(caller, body.Text("channel_id")?.Trim(), body.Text("template_id")?.Trim(), body.Text("client_msg_id")?.Trim()),
                cancellationToken);
            return Chat2Http.Result(context, posted);
        }).AdminOrDevice().Produces<Msg2>().Produces<Msg2>(StatusCodes.Status201Created).WithRequestBody<Wire.Chat2SendTemplateBody>();
    }
}

internal sealed record Chat2SendTemplateCommand(Chat2Caller Caller, string? ChannelId, string? TemplateId, string? ClientMsgId) : ICommand<Posted2>;

internal sealed class Chat2SendTemplateValidator : AbstractValidator<Chat2SendTemplateCommand>
{
    public Chat2SendTemplateValidator()
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleFor(c => c).Must(c => !string.IsNullOrEmpty(c.ChannelId) && !string.IsNullOrEmpty(c.TemplateId))
            .WithMessage("channel_id and template_id are required");
        RuleFor(c => c.ClientMsgId).Must(id => id is null || Chat2Ids.IsUuid(id)).WithMessage("client_msg_id must be a UUID");
    }
}

internal sealed class Chat2SendTemplateHandler(Chat2Access access, Chat2Posting posting) : ICommandHandler<Chat2SendTemplateCommand, Posted2>
{
    public async ValueTask<Posted2> Handle(Chat2SendTemplateCommand command, CancellationToken cancellationToken)
    {
        var channel = await access.RequireAsync(command.ChannelId, command.Caller, cancellationToken);
        var clientMsgId = command.ClientMsgId?.ToLowerInvariant();
        if (await posting.FindReplayAsync(channel.Id, command.Caller, clientMsgId, cancellationToken) is { } replay)
        {
            return new Posted2(replay, false, null);
        }

        var decision = await posting.AcquireAsync(Chat2Buckets.Send, command.Caller, cancellationToken);
        if (!decision.Allowed)
        {
            return Posted2.Limited(decision);
        }

        var text = Templates.TextOf(command.TemplateId!) ?? throw DomainException.NotFound("template not found");
        var meta = System.Text.Json.JsonSerializer.Serialize(new { template_id = command.TemplateId }, WireJson.Options);
        return await posting.InsertAsync(new NewMessage2(channel, command.Caller, MessageKinds.Template, text, clientMsgId, meta), null, cancellationToken);
    }
}
