using System.Text.Json;
using Carter;
using FluentValidation;
using Map.Modules.Admin.Contracts;
using Map.Modules.Chat.EventChat;
using Mediator;

namespace Map.Modules.Chat.Features.Chat2Purge;

/// <summary>
/// <c>POST /api/chat2/admin/purge {days?, dry_run?}</c> (superadmin + CSRF) → 200 <c>{would_delete}</c> or
/// <c>{deleted_messages, deleted_files}</c>. <c>days</c> defaults to <c>CHAT2_RETENTION_DAYS</c>; a value below 1 or
/// not an integer is 400 (chat spec §9.17). Deletes in batches, like the daily job; audited.
/// </summary>
internal sealed class Chat2PurgeEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPost(Chat2Http.Prefix + "/admin/purge", async (HttpContext context, ISender sender, Chat2Settings settings, CancellationToken cancellationToken) =>
        {
            var body = await RequestBody.ReadAsync(context.Request, Chat2Http.Json, cancellationToken);
            int? days = body.Json("days") switch
            {
                null or { ValueKind: JsonValueKind.Null } => settings.RetentionDays,
                { ValueKind: JsonValueKind.Number } n when n.TryGetInt32(out var value) => value,
                { ValueKind: JsonValueKind.String } s when int.TryParse(s.GetString(), out var value) => value,
                _ => null,
            };
            var result = await sender.Send(new Chat2PurgeCommand(days, body.Flag("dry_run")), cancellationToken);
            return result.DryRun
                ? Results.Json(new { would_delete = result.Outcome.Messages })
                : Results.Json(new { deleted_messages = result.Outcome.Messages, deleted_files = result.Outcome.Files });
        }).RequireAuthorization(MapPolicies.Superadmin).Produces<Wire.Chat2PurgeJson>().WithRequestBody<Wire.Chat2PurgeBody>(required: false);
}

internal sealed record Chat2PurgeCommand(int? Days, bool DryRun) : ICommand<Chat2PurgeResult>;

internal sealed record Chat2PurgeResult(bool DryRun, PurgeOutcome Outcome);

internal sealed class Chat2PurgeValidator : AbstractValidator<Chat2PurgeCommand>
{
    public Chat2PurgeValidator() =>
        RuleFor(c => c.Days).NotNull().WithMessage("days must be an integer").GreaterThanOrEqualTo(1).WithMessage("days must be at least 1");
}

internal sealed class Chat2PurgeHandler(Chat2Retention retention, IAuditLog audit) : ICommandHandler<Chat2PurgeCommand, Chat2PurgeResult>
{
    public async ValueTask<Chat2PurgeResult> Handle(Chat2PurgeCommand command, CancellationToken cancellationToken)
    {
        var days = command.Days!.Value;
        if (command.DryRun)
        {
            return new Chat2PurgeResult(true, new PurgeOutcome(await retention.CountAsync(days, cancellationToken), 0));
        }

        var outcome = await retention.PurgeAsync(days, cancellationToken);
        await audit.RecordAsync("chat2.purge", new { days, deleted_messages = outcome.Messages, deleted_files = outcome.Files }, cancellationToken: cancellationToken);
        return new Chat2PurgeResult(false, outcome);
    }
}
