using Carter;
using FluentValidation;
using Map.Modules.Chat.EventChat;
using Mediator;

namespace Map.Modules.Chat.Features.Chat2Send;

/// <summary>
/// <c>POST /api/chat2/send</c> (admin session + CSRF, or device token; membership) → 201 <c>Msg2</c>, a replay of the
/// same <c>client_msg_id</c> → 200 with the original. Order: 400 → 404/403 → replay → 429 → store.
/// </summary>
internal sealed class Chat2SendEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPost(Chat2Http.Prefix + "/send", async (HttpContext context, ISender sender, CancellationToken cancellationToken) =>
        {
            var caller = await Chat2Identity.ResolveAsync(context);
            var body = await RequestBody.ReadAsync(context.Request, Chat2Http.Json, cancellationToken);
            var posted = await sender.Send(
                new Chat2SendCommand(caller, body.Text("channel_id")?.Trim(), body.String("text")?.Trim() ?? "", body.Text("kind")?.Trim() ?? MessageKinds.Text, body.Text("client_msg_id")?.Trim()),
                cancellationToken);
            return Chat2Http.Result(context, posted);
        }).AdminOrDevice().Produces<Msg2>().Produces<Msg2>(StatusCodes.Status201Created).WithRequestBody<Wire.Chat2SendBody>();
}

internal sealed record Chat2SendCommand(Chat2Caller Caller, string? ChannelId, string Text, string Kind, string? ClientMsgId) : ICommand<Posted2>;

internal sealed class Chat2SendValidator : AbstractValidator<Chat2SendCommand>
{
    public Chat2SendValidator()
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleLevelCascadeMode = CascadeMode.Stop;
        RuleFor(c => c.ChannelId).NotEmpty().WithMessage("channel_id is required");
        RuleFor(c => c.Kind).Equal(MessageKinds.Text).WithMessage("kind must be text (media goes to upload_media, templates to send_template)");
        RuleFor(c => c.Text).NotEmpty().WithMessage("text is required")
            .MaximumLength(Chat2Limits.TextMaxLength).WithMessage($"text is too long (at most {Chat2Limits.TextMaxLength} characters)");
        RuleFor(c => c.ClientMsgId).Must(id => id is null || Chat2Ids.IsUuid(id)).WithMessage("client_msg_id must be a UUID");
    }
}

internal sealed class Chat2SendHandler(Chat2Access access, Chat2Posting posting) : ICommandHandler<Chat2SendCommand, Posted2>
{
    public async ValueTask<Posted2> Handle(Chat2SendCommand command, CancellationToken cancellationToken)
    {
        var channel = await access.RequireAsync(command.ChannelId, command.Caller, cancellationToken);
        return await posting.PostAsync(
            new NewMessage2(channel, command.Caller, MessageKinds.Text, command.Text, command.ClientMsgId?.ToLowerInvariant()),
            Chat2Buckets.Send,
            cancellationToken);
    }
}
