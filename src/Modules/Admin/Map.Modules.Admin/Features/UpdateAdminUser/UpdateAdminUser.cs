using System.Security.Claims;
using Carter;
using FluentValidation;
using Map.Modules.Admin.Contracts;
using Map.Modules.Admin.Domain;
using Map.Modules.Admin.Http;
using Map.Modules.Admin.Passwords;
using Mediator;

namespace Map.Modules.Admin.Features.UpdateAdminUser;

/// <summary>
/// <c>PUT</c> or <c>PATCH /api/admin/users/{id}</c>: any subset of <c>role</c>, <c>is_active</c>, <c>password</c>,
/// <c>zones</c> (replaces the set; <c>[]</c> clears it). As before, an empty <c>role</c> or <c>password</c> means
/// "unchanged". 200 admin JSON; 404 <c>{"error":"not found"}</c>; 409 when it would delete, deactivate or demote
/// yourself or the last active superadmin. Deactivating, or setting a new password, ends the account's sessions
/// (your own current session survives your own password change). Audited as <c>user.update</c> with what changed.
/// </summary>
internal sealed class UpdateAdminUserEndpoint : ICarterModule
{
    private static readonly BodyRules Body = AdminBody.Strict("role", "is_active", "password", "zones");

    public void AddRoutes(IEndpointRouteBuilder app)
    {
        app.MapPut("/api/admin/users/{id:int}", HandleAsync).RequireAuthorization(MapPolicies.Superadmin).Produces<AdminUserJson>().WithRequestBody<AdminUserChangeBody>();
        app.MapPatch("/api/admin/users/{id:int}", HandleAsync).RequireAuthorization(MapPolicies.Superadmin).Produces<AdminUserJson>().WithRequestBody<AdminUserChangeBody>();
    }

    private static async Task<IResult> HandleAsync(int id, HttpContext context, ISender sender, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync(context.Request, Body, cancellationToken);
        var role = body.String("role");
        var password = body.String("password");
        var command = new UpdateAdminUserCommand(
            id,
            context.User.AdminId()!.Value,
            context.User.FindFirstValue(MapClaims.SessionId),
            string.IsNullOrEmpty(role) ? null : role,
            body.Boolean("is_active"),
            string.IsNullOrEmpty(password) ? null : password,
            body.PositiveIntegers("zones", AdminUser.MaxZones));
        return Results.Json(await sender.Send(command, cancellationToken));
    }
}

/// <summary>Null fields are left unchanged.</summary>
internal sealed record UpdateAdminUserCommand(
    int Id,
    int ActorId,
    string? ActorSessionId,
    string? Role,
    bool? IsActive,
    string? Password,
    IReadOnlyList<int>? Zones) : ICommand<AdminUserJson>;

internal sealed class UpdateAdminUserValidator : AbstractValidator<UpdateAdminUserCommand>
{
    public UpdateAdminUserValidator()
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleFor(c => c.Role).Must(r => r is null || AdminRoles.TryParse(r, out _))
            .WithMessage("role must be one of viewer, editor, superadmin");
        // The username is checked by the handler, which loads the account.
        RuleFor(c => c.Password).Must(p => p is null || PasswordPolicy.Problem(p, null) is null)
            .WithMessage(c => PasswordPolicy.Problem(c.Password, null));
    }
}

internal sealed class UpdateAdminUserHandler(AdminDbContext db, AdminPasswordHasher hasher, IAuditLog audit)
    : ICommandHandler<UpdateAdminUserCommand, AdminUserJson>
{
    public async ValueTask<AdminUserJson> Handle(UpdateAdminUserCommand command, CancellationToken cancellationToken)
    {
        var newHash = command.Password is null ? null : hasher.Hash(command.Password); // slow: before the lock

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await RosterLock.AcquireAsync(db.Database, cancellationToken);
        var user = await db.Users.Include(u => u.Zones).FirstOrDefaultAsync(u => u.Id == command.Id, cancellationToken)
            ?? throw DomainException.NotFound();

        if (command.Password is not null && PasswordPolicy.Problem(command.Password, user.Username) is { } weak)
        {
            throw DomainException.Invalid(weak);
        }

        var role = AdminRoles.TryParse(command.Role, out var named) ? named : user.Role;
        var active = command.IsActive ?? user.IsActive;
        var otherSuperadmins = await db.Users.CountAsync(u => u.Id != user.Id && u.IsActive && u.Role == AdminRole.Superadmin, cancellationToken);
        if (user.RefusalOf(new AccountChange(role, active), command.ActorId, otherSuperadmins) is { } refusal)
        {
            throw DomainException.Conflict(refusal);
        }

        var changes = new Dictionary<string, object>();
        if (role != user.Role)
        {
            changes["role"] = new { from = user.Role.ToWire(), to = role.ToWire() };
            user.SetRole(role);
        }

        if (active != user.IsActive)
        {
            changes["is_active"] = new { from = user.IsActive, to = active };
            user.SetActive(active);
        }

        var zonesBefore = user.Zones.Select(z => z.ZoneId).Order().ToArray();
        if (command.Zones is not null && !zonesBefore.SequenceEqual(command.Zones))
        {
            changes["zones"] = new { from = zonesBefore, to = command.Zones };
            user.SetZones(command.Zones);
        }

        if (newHash is not null)
        {
            changes["password"] = "changed"; // never the password or its hash
            user.SetPasswordHash(newHash);
        }

        if (changes.Count == 0)
        {
            return AdminUserJson.From(user);
        }

        await db.SaveChangesAsync(cancellationToken);
        await EndSessionsAsync(user, deactivated: !active, command, cancellationToken);
        await audit.RecordAsync(db.Database, "user.update", new { id = user.Id, username = user.Username, changes }, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return AdminUserJson.From(user);
    }

    /// <summary>
    /// A deactivated account loses every session (the ticket store also refuses inactive accounts, but a later
    /// reactivation must not revive old cookies). A new password ends the other sessions of that account.
    /// </summary>
    private Task EndSessionsAsync(AdminUser user, bool deactivated, UpdateAdminUserCommand command, CancellationToken cancellationToken)
    {
        if (deactivated)
        {
            return db.Sessions.Where(s => s.AdminId == user.Id).ExecuteDeleteAsync(cancellationToken);
        }

        if (command.Password is not null)
        {
            var keep = user.Id == command.ActorId ? command.ActorSessionId ?? "" : "";
            return db.Sessions.Where(s => s.AdminId == user.Id && s.IdHash != keep).ExecuteDeleteAsync(cancellationToken);
        }

        return Task.CompletedTask;
    }
}

/// <summary>The fields to change (strict JSON: other fields are refused; absent: kept).</summary>
internal sealed record AdminUserChangeBody(string? Role, bool? IsActive, string? Password, IReadOnlyList<int>? Zones);
