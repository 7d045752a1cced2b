using Carter;
using FluentValidation;
using Map.Modules.Chat.EventChat;
using Mediator;

namespace Map.Modules.Chat.Features.Chat2Read;

/// <summary>
/// <c>POST /api/chat2/read {channel_id, last_read_message_id}</c> → 200 <c>{"status":"ok"}</c>. Moves the caller's read
/// mark to that message; a mark older than the current one is ignored, so unread never runs backwards. An admin's
/// member row is created by its first mark; a phone must already be a member (decision 0110). No event.
/// </summary>
internal sealed class Chat2ReadEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPost(Chat2Http.Prefix + "/read", async (HttpContext context, ISender sender, CancellationToken cancellationToken) =>
        {
            var caller = await Chat2Identity.ResolveAsync(context);
            var body = await RequestBody.ReadAsync(context.Request, Chat2Http.Json, cancellationToken);
            await sender.Send(new Chat2MarkReadCommand(caller, body.Text("channel_id")?.Trim(), body.Text("last_read_message_id")?.Trim()), cancellationToken);
            return Results.Json(new { status = "ok" });
        }).AdminOrDevice().Produces<StatusOk>().WithRequestBody<Wire.Chat2ReadBody>();
}

internal sealed record Chat2MarkReadCommand(Chat2Caller Caller, string? ChannelId, string? MessageId) : ICommand;

internal sealed class Chat2MarkReadValidator : AbstractValidator<Chat2MarkReadCommand>
{
    public Chat2MarkReadValidator() =>
        RuleFor(c => c).Must(c => !string.IsNullOrEmpty(c.ChannelId) && !string.IsNullOrEmpty(c.MessageId))
            .WithMessage("channel_id and last_read_message_id are required");
}

internal sealed class Chat2MarkReadHandler(ChatDbContext db, Chat2Access access, TimeProvider clock) : ICommandHandler<Chat2MarkReadCommand>
{
    public async ValueTask<Unit> Handle(Chat2MarkReadCommand command, CancellationToken cancellationToken)
    {
        var channel = await access.RequireAsync(command.ChannelId, command.Caller, cancellationToken);
        var message = await access.MessageAsync(channel.Id, command.MessageId, cancellationToken) ?? throw DomainException.NotFound("message not found");
        var now = clock.Now();
        await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO chat.chat2_members AS m (channel_id, member_type, member_id, last_read_message_id, last_read_seq, last_read_at)
            VALUES ({channel.Id}, {command.Caller.Type}, {command.Caller.Id}, {message.Id}, {message.Seq}, {now})
            ON CONFLICT (channel_id, member_type, member_id) DO UPDATE
                SET last_read_message_id = EXCLUDED.last_read_message_id, last_read_seq = EXCLUDED.last_read_seq, last_read_at = EXCLUDED.last_read_at
                WHERE m.last_read_seq < EXCLUDED.last_read_seq
            """,
            cancellationToken);
        return Unit.Value;
    }
}
