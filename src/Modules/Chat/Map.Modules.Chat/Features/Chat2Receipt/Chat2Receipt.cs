using Carter;
using FluentValidation;
using Map.Modules.Chat.Contracts;
using Map.Modules.Chat.EventChat;
using Mediator;

namespace Map.Modules.Chat.Features.Chat2Receipt;

/// <summary>
/// <c>POST /api/chat2/receipt {channel_id, message_id, type}</c> → 200 <c>Receipt</c>. A receipt counts once per member
/// and type, and never for the sender's own message (chat spec §9.10), so the counts only grow and mean something.
/// A receipt that changed a count emits <c>chat2_receipt</c>.
/// </summary>
internal sealed class Chat2ReceiptEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPost(Chat2Http.Prefix + "/receipt", async (HttpContext context, ISender sender, CancellationToken cancellationToken) =>
        {
            var caller = await Chat2Identity.ResolveAsync(context);
            var body = await RequestBody.ReadAsync(context.Request, Chat2Http.Json, cancellationToken);
            return Results.Json(await sender.Send(
                new Chat2ReceiptCommand(caller, body.Text("channel_id")?.Trim(), body.Text("message_id")?.Trim(), body.Text("type")?.Trim()),
                cancellationToken));
        }).AdminOrDevice().Produces<ReceiptView>().WithRequestBody<Wire.Chat2ReceiptBody>();
}

internal sealed record Chat2ReceiptCommand(Chat2Caller Caller, string? ChannelId, string? MessageId, string? Type) : ICommand<ReceiptView>;

internal sealed record ReceiptWho(string Type, string Id);

internal sealed record ReceiptView(string ChannelId, string MessageId, string Type, ReceiptWho Who, int DeliveredCount, int ReadCount);

internal sealed class Chat2ReceiptValidator : AbstractValidator<Chat2ReceiptCommand>
{
    public Chat2ReceiptValidator()
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleFor(c => c).Must(c => !string.IsNullOrEmpty(c.ChannelId) && !string.IsNullOrEmpty(c.MessageId) && !string.IsNullOrEmpty(c.Type))
            .WithMessage("channel_id, message_id and type are required");
        RuleFor(c => c.Type).Must(t => t is "delivered" or "read").WithMessage("type must be delivered or read");
    }
}

internal sealed class Chat2ReceiptHandler(ChatDbContext db, Chat2Access access, TimeProvider clock, IEventBus events) : ICommandHandler<Chat2ReceiptCommand, ReceiptView>
{
    public async ValueTask<ReceiptView> Handle(Chat2ReceiptCommand command, CancellationToken cancellationToken)
    {
        var caller = command.Caller;
        var channel = await access.RequireAsync(command.ChannelId, caller, cancellationToken);
        var message = await access.MessageAsync(channel.Id, command.MessageId, cancellationToken) ?? throw DomainException.NotFound("message not found");
        var type = command.Type!;
        var changed = false;
        if (message.SenderType != caller.Type || message.SenderId != caller.Id)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var inserted = await db.Database.ExecuteSqlAsync(
                $"INSERT INTO chat.chat2_receipts (message_id, member_type, member_id, type, created_at) VALUES ({message.Id}, {caller.Type}, {caller.Id}, {type}, {clock.Now()}) ON CONFLICT DO NOTHING",
                cancellationToken);
            if (inserted == 1)
            {
                changed = type == "read"
                    ? await db.Database.ExecuteSqlAsync($"UPDATE chat.chat2_messages SET read_count = read_count + 1 WHERE id = {message.Id}", cancellationToken) == 1
                    : await db.Database.ExecuteSqlAsync($"UPDATE chat.chat2_messages SET delivered_count = delivered_count + 1 WHERE id = {message.Id}", cancellationToken) == 1;
            }

            await transaction.CommitAsync(cancellationToken);
        }

        var counts = await db.Messages2.AsNoTracking().Where(m => m.Id == message.Id).Select(m => new { m.DeliveredCount, m.ReadCount }).SingleAsync(cancellationToken);
        var view = new ReceiptView(channel.Id, message.Id, type, new ReceiptWho(caller.Type, caller.Id), counts.DeliveredCount, counts.ReadCount);
        if (changed)
        {
            await events.PublishAsync(new Chat2ReceiptRecorded(channel.Id, message.Id, view), cancellationToken);
        }

        return view;
    }
}
