using Carter;
using FluentValidation;
using Map.Modules.Admin.Contracts;
using Map.Modules.Chat.Contracts;
using Map.Modules.Chat.Domain;
using Map.Modules.Chat.Telegram;
using Mediator;

namespace Map.Modules.Chat.Features.SendMessage;

/// <summary>
/// <c>POST /api/chat/{user_id}</c> → 201 <c>ChatMessage</c>. An editor session (with CSRF) writes as <c>admin</c>;
/// the bot key writes as <c>user</c>. The body's <c>sender</c> is accepted only when absent, blank or equal to
/// that implied sender; any other value (<c>dispatcher</c>, a bot claiming <c>admin</c>, ...) is 400. Order: auth,
/// then the chat rate limit (client IP; for the bot, client IP plus user id), then validation. The legacy bot, which sends
/// no key, is the bot here when it calls from <c>BOT_TRUSTED_NETWORKS</c> (decision 0070).
/// </summary>
internal sealed class SendMessageEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPost(ChatRoutes.UserPath, HandleAsync).RequireAuthorization(MapPolicies.EditorOrBot).AllowTrustedBotNetwork()
            .Produces<ChatMessageData>(StatusCodes.Status201Created).WithRequestBody<ChatTextBody>();

    private static async Task<IResult> HandleAsync(string userId, HttpContext context, IRateLimitGate rateLimit, ISender sender, CancellationToken cancellationToken)
    {
        var fromAdmin = context.User.IsAdmin();
        var ip = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        // The bot relays every Telegram user from one address: each user gets their own budget.
        var key = fromAdmin ? "ip:" + ip : $"bot:{ip}:{StoredText.Clip(userId, ChatDialog.UserIdMaxLength)}";
        var decision = await rateLimit.AcquireAsync(ChatRateLimits.Messages, key, cancellationToken);
        if (!decision.Allowed)
        {
            return new RateLimitedResult(decision, detailed: true);
        }

        var body = await RequestBody.ReadAsync(context.Request, BodyRules.LenientJson, cancellationToken);
        var command = new SendMessageCommand(
            userId,
            body.String("text")?.Trim() ?? "",
            fromAdmin ? ChatSender.Admin : ChatSender.User,
            body.String("sender")?.Trim() is { Length: > 0 } requested ? requested : null,
            ReadProfile(body));
        var message = await sender.Send(command, cancellationToken);
        return Results.Json(message, statusCode: StatusCodes.Status201Created);
    }

    /// <summary>The Telegram profile, nested as <c>user</c> or flat; each key also under its <c>tg_</c> name.</summary>
    private static TelegramProfile ReadProfile(RequestBody body)
    {
        var nested = body.Object("user");
        string? Read(string name, string alias) =>
            (nested is { } n ? n.String(name) ?? n.String(alias) : null)
            ?? body.String(name) ?? body.String(alias);
        return TelegramProfile.From(
            Read("username", "tg_username"),
            Read("first_name", "tg_first_name"),
            Read("last_name", "tg_last_name"),
            Read("display_name", "display_name"));
    }
}

/// <summary>
/// A message to store. <c>Sender</c> is implied by the authentication; <c>RequestedSender</c> is the body's
/// <c>sender</c>, if any, which must equal it.
/// </summary>
internal sealed record SendMessageCommand(string UserId, string Text, string Sender, string? RequestedSender, TelegramProfile Profile)
    : ICommand<ChatMessageData>;

internal sealed class SendMessageValidator : AbstractValidator<SendMessageCommand>
{
    public SendMessageValidator()
    {
        RuleLevelCascadeMode = CascadeMode.Stop;
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleFor(c => c.UserId).ChatUserId();
        RuleFor(c => c.Text).NotEmpty().WithMessage("text is required")
            .MaximumLength(ChatMessage.TextMaxLength).WithMessage($"text is too long (at most {ChatMessage.TextMaxLength} characters)");
        RuleFor(c => c.RequestedSender)
            .Must((c, requested) => requested is null || requested == c.Sender)
            .WithMessage(c => $"sender must be '{c.Sender}' for this client (or omitted)");
    }
}

internal sealed class SendMessageHandler(
    ChatDbContext db,
    TimeProvider clock,
    IAuditLog audit,
    IEventBus events,
    TelegramDeliveryOptions telegram,
    IOutbox outbox) : ICommandHandler<SendMessageCommand, ChatMessageData>
{
    public async ValueTask<ChatMessageData> Handle(SendMessageCommand command, CancellationToken cancellationToken)
    {
        var now = clock.Now();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var dialog = await db.EnsureLockedAsync(command.UserId, now, cancellationToken);
        dialog.ApplyProfile(command.Profile);
        var message = ChatMessage.Create(command.UserId, command.Sender, command.Text, now);
        db.Messages.Add(message);
        await db.SaveChangesAsync(cancellationToken);

        // The server sends a reply itself only when it can (token, numeric Telegram id); otherwise the bot polls for it.
        // Its outbox message commits with it, and delivery starts at the commit.
        if (command.Sender == ChatSender.Admin)
        {
            dialog.RecordAdminMessage(message.Id, now);
            if (telegram.Enabled && TelegramBotApi.TryParseChatId(command.UserId, out _))
            {
                db.TelegramReplies.Add(TelegramReply.For(message, now));
                await outbox.AddAsync(db.Database, TelegramReplyMessage.For(message), cancellationToken);
            }

            await db.SaveChangesAsync(cancellationToken);
            await audit.RecordAsync(db.Database, "chat.send_message", new { user_id = command.UserId, sender = command.Sender }, cancellationToken);
        }
        else
        {
            dialog.RecordUserMessage(now);
            await db.SaveChangesAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);

        var data = message.ToData();
        await events.PublishAsync(new ChatMessagePosted(data), cancellationToken);
        return data;
    }
}

/// <summary>
/// A message's body as documented: its text, the optional <c>sender</c> (must match the caller) and the bot's Telegram
/// profile of the user, nested as <c>user</c> or flat (also as <c>tg_username</c>, <c>tg_first_name</c>, <c>tg_last_name</c>).
/// </summary>
internal sealed record ChatTextBody(string Text, string? Sender, ChatProfileBody? User, string? Username, string? FirstName, string? LastName, string? DisplayName);

internal sealed record ChatProfileBody(string? Username, string? FirstName, string? LastName, string? DisplayName);
