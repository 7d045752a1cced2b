using Carter;
using FluentValidation;
using Map.Modules.Admin.Contracts;
using Map.Modules.Chat.Domain;
using Map.Modules.Chat.Wire;
using Mediator;

namespace Map.Modules.Chat.Features.SetStatus;

/// <summary>
/// <c>POST /api/chat/{user_id}/status {"status"}</c> (editor + CSRF) → 200 <c>Dialog</c>; the dialog is created if
/// missing. 400 <c>status is required</c> / <c>Unsupported status: '&lt;value&gt;'</c>. Audited as
/// <c>chat.set_status</c>; no realtime event (the UI updates its own copy).
/// </summary>
internal sealed class SetStatusEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPost(ChatRoutes.UserPath + "/status", async (string userId, HttpRequest request, ISender sender, CancellationToken cancellationToken) =>
        {
            var body = await RequestBody.ReadAsync(request, BodyRules.LenientJson, cancellationToken);
            var status = body.String("status")?.Trim() ?? "";
            return Results.Json(await sender.Send(new SetStatusCommand(userId, status), cancellationToken));
        })
        .RequireAuthorization(MapPolicies.Editor).Produces<DialogView>().WithRequestBody<DialogStatusBody>();
}

internal sealed record SetStatusCommand(string UserId, string Status) : ICommand<DialogView>;

internal sealed class SetStatusValidator : AbstractValidator<SetStatusCommand>
{
    public SetStatusValidator()
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleLevelCascadeMode = CascadeMode.Stop;
        RuleFor(c => c.UserId).ChatUserId();
        RuleFor(c => c.Status).NotEmpty().WithMessage("status is required")
            .Must(DialogStatus.All.Contains).WithMessage(c => $"Unsupported status: '{c.Status}'");
    }
}

internal sealed class SetStatusHandler(ChatDbContext db, TimeProvider clock, IAuditLog audit) : ICommandHandler<SetStatusCommand, DialogView>
{
    public async ValueTask<DialogView> Handle(SetStatusCommand command, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var dialog = await db.EnsureLockedAsync(command.UserId, clock.Now(), cancellationToken);
        dialog.SetStatus(command.Status);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(db.Database, "chat.set_status", new { user_id = command.UserId, status = command.Status }, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return DialogView.From(dialog);
    }
}

/// <summary>The dialog's new status.</summary>
internal sealed record DialogStatusBody(string Status);
