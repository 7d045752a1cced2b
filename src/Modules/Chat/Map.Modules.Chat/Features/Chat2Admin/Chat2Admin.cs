using Carter;
using FluentValidation;
using Map.Modules.Chat.EventChat;
using Map.Modules.Chat.EventChat.Push;
using Mediator;

namespace Map.Modules.Chat.Features.Chat2Admin;

/// <summary>
/// <c>GET /api/chat2/metrics</c> (viewer) → the in-process counters; <c>POST /api/chat2/push/register {token}</c> (ID2)
/// → 201 <c>registered</c> / 200 <c>updated</c> (a token moves to its latest caller); <c>POST /api/chat2/push/test</c>
/// (superadmin, optional <c>token</c>, else every registered token) → <c>{"sent": n}</c>, the pushes FCM accepted; 0 when
/// push is off (<c>CHAT2_PUSH_ENABLED=0</c> or no credentials file, decision 0112).
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
        }).AdminOrDevice()
            .Produces<Wire.Chat2PushRegisteredJson>().Produces<Wire.Chat2PushRegisteredJson>(StatusCodes.Status201Created).WithRequestBody<Wire.Chat2PushTokenBody>();

        app.MapPost(Chat2Http.Prefix + "/push/test", async (HttpContext context, ISender sender, CancellationToken cancellationToken) =>
        {
            var body = await RequestBody.ReadAsync(context.Request, Chat2Http.Json, cancellationToken);
            var sent = await sender.Send(new TestPushCommand(body.Text("token")?.Trim() is { Length: > 0 } token ? token : null), cancellationToken);
            return Results.Json(new { sent });
        }).RequireAuthorization(MapPolicies.Superadmin).Produces<Wire.Chat2PushTestJson>().WithRequestBody<Wire.Chat2PushTestBody>(required: false);
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

internal sealed record TestPushCommand(string? Token) : ICommand<int>;

internal sealed class TestPushValidator : AbstractValidator<TestPushCommand>
{
    public TestPushValidator() => RuleFor(c => c.Token).MaximumLength(256).WithMessage("token is too long (at most 256 characters)");
}

/// <summary>
/// A superadmin's check that push works end to end: sent now, in the request (there is no transaction to wait for and
/// the answer is the count FCM accepted), a few at a time. Tokens FCM no longer knows are deleted, as in delivery.
/// </summary>
internal sealed class TestPushHandler(ChatDbContext db, Chat2PushOptions options, FcmClient fcm, Chat2Counters counters) : ICommandHandler<TestPushCommand, int>
{
    public async ValueTask<int> Handle(TestPushCommand command, CancellationToken cancellationToken)
    {
        if (!options.Enabled)
        {
            return 0;
        }

        IReadOnlyList<string> tokens = command.Token is { } one
            ? [one]
            : await db.PushTokens2.AsNoTracking().OrderBy(t => t.Id).Select(t => t.Token).ToListAsync(cancellationToken);
        var data = new Dictionary<string, string> { ["kind"] = "test" };
        var sent = 0;
        var gone = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(tokens, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (token, ct) =>
        {
            var result = await fcm.SendAsync(new FcmMessage(token, options.Title ?? "Map", "Проверка push-уведомлений", data), ct);
            if (result.Outcome == FcmOutcome.Sent)
            {
                Interlocked.Increment(ref sent);
                counters.PushSent(1);
                return;
            }

            counters.PushFailed();
            if (result.Outcome == FcmOutcome.TokenGone)
            {
                gone.Add(token);
            }
        });

        if (!gone.IsEmpty)
        {
            var stale = gone.ToList();
            await db.PushTokens2.Where(t => stale.Contains(t.Token)).ExecuteDeleteAsync(cancellationToken);
        }

        return sent;
    }
}
