using Carter;
using FluentValidation;
using Map.Modules.Admin.Contracts;
using Map.Modules.Admin.Domain;
using Map.Modules.Admin.Http;
using Map.Modules.Admin.Passwords;
using Mediator;

namespace Map.Modules.Admin.Features.CreateAdminUser;

/// <summary>
/// <c>POST /api/admin/users</c> (with or without the trailing slash) <c>{username, password, role?="editor", zones?}</c>
/// → 201 admin JSON. 400 <c>{"error":"username and password required"}</c>, <c>"username already exists"</c>
/// (compared case-insensitively, so no look-alike accounts), or a rule message. Audited as <c>user.create</c>.
/// </summary>
internal sealed class CreateAdminUserEndpoint : ICarterModule
{
    private static readonly BodyRules Body = AdminBody.Strict("username", "password", "role", "zones");

    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPost("/api/admin/users", async (HttpRequest request, ISender sender, CancellationToken cancellationToken) =>
            {
                var body = await RequestBody.ReadAsync(request, Body, cancellationToken);
                var command = new CreateAdminUserCommand(
                    body.String("username")?.Trim(),
                    body.String("password"),
                    body.String("role"),
                    body.PositiveIntegers("zones", AdminUser.MaxZones) ?? []);
                var created = await sender.Send(command, cancellationToken);
                return Results.Json(created, statusCode: StatusCodes.Status201Created);
            })
            .RequireAuthorization(MapPolicies.Superadmin)
            .Produces<AdminUserJson>(StatusCodes.Status201Created)
            .WithRequestBody<NewAdminUserBody>();
}

/// <summary>Zone ids are kept as given: zones belong to Markers, which unlinks a deleted zone through <see cref="IAdminDirectory.UnlinkZoneAsync"/>.</summary>
internal sealed record CreateAdminUserCommand(string? Username, string? Password, string? Role, IReadOnlyList<int> Zones) : ICommand<AdminUserJson>;

internal sealed class CreateAdminUserValidator : AbstractValidator<CreateAdminUserCommand>
{
    public CreateAdminUserValidator()
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleFor(c => c).Must(c => !string.IsNullOrEmpty(c.Username) && !string.IsNullOrEmpty(c.Password))
            .WithMessage("username and password required");
        RuleFor(c => c.Username).Must(AdminUser.IsValidUsername).WithMessage(AdminUser.UsernameRule);
        RuleFor(c => c).Must(c => PasswordPolicy.Problem(c.Password, c.Username) is null)
            .WithMessage(c => PasswordPolicy.Problem(c.Password, c.Username));
        RuleFor(c => c.Role).Must(r => string.IsNullOrEmpty(r) || AdminRoles.TryParse(r, out _))
            .WithMessage("role must be one of viewer, editor, superadmin");
    }
}

internal sealed class CreateAdminUserHandler(AdminDbContext db, AdminPasswordHasher hasher, IAuditLog audit, TimeProvider clock)
    : ICommandHandler<CreateAdminUserCommand, AdminUserJson>
{
    public async ValueTask<AdminUserJson> Handle(CreateAdminUserCommand command, CancellationToken cancellationToken)
    {
        var role = AdminRoles.TryParse(command.Role, out var named) ? named : AdminRole.Editor;
        var username = command.Username!;
        var hash = hasher.Hash(command.Password!); // slow on purpose: before the lock, not under it

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await RosterLock.AcquireAsync(db.Database, cancellationToken);
        // Valid usernames hold no LIKE wildcard but '_', escaped here: the pattern is an exact case-insensitive match.
        var pattern = username.Replace("_", "\\_", StringComparison.Ordinal);
        if (await db.Users.AnyAsync(u => EF.Functions.ILike(u.Username, pattern, "\\"), cancellationToken))
        {
            throw DomainException.Invalid("username already exists");
        }

        var user = AdminUser.Create(username, hash, role, DatabaseTime.Now(clock));
        user.SetZones(command.Zones);
        db.Users.Add(user);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(
            db.Database,
            "user.create",
            new { id = user.Id, username, role = role.ToWire(), zones = command.Zones },
            cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return AdminUserJson.From(user);
    }
}

/// <summary>A new admin (strict JSON: other fields are refused): role viewer, editor (default) or superadmin; zone ids.</summary>
internal sealed record NewAdminUserBody(string Username, string Password, string? Role, IReadOnlyList<int>? Zones);
