using Carter;
using FluentValidation;
using Map.Modules.Chat.EventChat;
using Mediator;

namespace Map.Modules.Chat.Features.Chat2Admin;

/// <summary>
/// <c>GET /api/chat2/metrics</c> (viewer) → the in-process counters; <c>POST /api/chat2/push/register {token}</c> (ID2)
/// → 201 <c>registered</c> / 200 <c>updated</c> (a token moves to its latest caller); <c>POST /api/chat2/push/test</c>
/// (superadmin) → <c>{"sent": n}</c>, 0 while push delivery is not configured (decision 0111).
/// </summary>
internal sealed class Chat2AdminEndpoints : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        app.MapGet(Chat2Http.Prefix + "/metrics", (Chat2Counters counters) => Results.Json(counters.Snapshot())).RequireAuthorization(MapPolicies.Viewer)
            .Produces<IReadOnlyDictionary<string, long>>();

        app.MapPost(Chat2Http.Prefix + "/push/register", async (HttpContext context, ISender sender, CancellationToken cancellationToken) =>
        {
            var caller = await Chat2Identity.ResolveAsync(context);
            var body = await RequestBody.ReadAsync(context.Request, Chat2Http.Json, cancellationToken);
            var (id, created) = await sender.Send(new RegisterPushTokenCommand(caller, body.Text("token")?.Trim() ?? ""), cancellationToken);
            return Results.Json(new { status = created ? "registered" : "updated", id }, statusCode: created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
        }).AdminOrDevice();

        app.MapPost(Chat2Http.Prefix + "/push/test", () => Results.Json(new { sent = 0 })).RequireAuthorization(MapPolicies.Superadmin);
    }
}

internal sealed record RegisterPushTokenCommand(Chat2Caller Caller, string Token) : ICommand<(int Id, bool Created)>;

internal sealed class RegisterPushTokenValidator : AbstractValidator<RegisterPushTokenCommand>
{
    public RegisterPushTokenValidator() =>
        RuleFor(c => c.Token).NotEmpty().WithMessage("token is required").MaximumLength(256).WithMessage("token is too long (at most 256 characters)");
}

internal sealed class RegisterPushTokenHandler(ChatDbContext db, TimeProvider clock) : ICommandHandler<RegisterPushTokenCommand, (int Id, bool Created)>
{
    public async ValueTask<(int Id, bool Created)> Handle(RegisterPushTokenCommand command, CancellationToken cancellationToken)
    {
        var rows = await db.Database.SqlQuery<PushUpsert>(
            $"""
            INSERT INTO chat.chat2_push_tokens AS t (member_type, member_id, token, created_at) VALUES ({command.Caller.Type}, {command.Caller.Id}, {command.Token}, {clock.Now()})
            ON CONFLICT (token) DO UPDATE SET member_type = EXCLUDED.member_type, member_id = EXCLUDED.member_id
            RETURNING t.id AS "id", (xmax = 0) AS "created"
            """).ToListAsync(cancellationToken);
        return (rows[0].Id, rows[0].Created);
    }
}

internal sealed record PushUpsert(int Id, bool Created);
