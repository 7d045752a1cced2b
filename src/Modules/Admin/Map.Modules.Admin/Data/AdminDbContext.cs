using Map.Modules.Admin.Domain;
using Microsoft.EntityFrameworkCore.Design;

namespace Map.Modules.Admin.Data;

internal sealed class AdminDbContext(DbContextOptions<AdminDbContext> options) : DbContext(options)
{
    public const string Schema = "admin";

    public DbSet<AdminUser> Users => Set<AdminUser>();

    public DbSet<AdminZone> Zones => Set<AdminZone>();

    public DbSet<AdminSession> Sessions => Set<AdminSession>();

    public DbSet<AuditEntry> Audit => Set<AuditEntry>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);

        modelBuilder.Entity<AdminUser>(user =>
        {
            user.ToTable("admin_users", t => t.HasCheckConstraint("ck_admin_users_role", "role IN ('viewer', 'editor', 'superadmin')"));
            user.Property(u => u.Username).HasMaxLength(AdminUser.UsernameMaxLength);
            user.HasIndex(u => u.Username).IsUnique();
            user.Property(u => u.PasswordHash).HasMaxLength(255);
            user.Property(u => u.Role).HasMaxLength(32).HasConversion(r => r.ToWire(), s => ParseRole(s));
            user.HasMany(u => u.Zones).WithOne().HasForeignKey(z => z.AdminId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<AdminZone>(zone =>
        {
            zone.ToTable("admin_zones");
            zone.HasKey(z => new { z.AdminId, z.ZoneId });
            zone.HasIndex(z => z.ZoneId);
        });

        modelBuilder.Entity<AdminSession>(session =>
        {
            session.ToTable("admin_sessions");
            session.HasKey(s => s.IdHash);
            session.Property(s => s.IdHash).HasMaxLength(64);
            session.Property(s => s.CsrfToken).HasMaxLength(64);
            session.Property(s => s.Ip).HasMaxLength(64);
            session.HasIndex(s => s.AdminId);
            session.HasIndex(s => s.ExpiresAt);
            session.HasOne<AdminUser>().WithMany().HasForeignKey(s => s.AdminId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<AuditEntry>(audit =>
        {
            audit.ToTable("admin_audit_log");
            audit.Property(a => a.Actor).HasMaxLength(64);
            audit.Property(a => a.Role).HasMaxLength(16);
            audit.Property(a => a.Ip).HasMaxLength(64);
            audit.Property(a => a.Method).HasMaxLength(8);
            audit.Property(a => a.Path).HasMaxLength(255);
            audit.Property(a => a.Action).HasMaxLength(64);
            audit.Property(a => a.Payload).HasColumnType("jsonb");
            audit.Property(a => a.PrevHash).HasMaxLength(64);
            audit.Property(a => a.RowHash).HasMaxLength(64);
            audit.HasIndex(a => a.Ts);
            audit.HasIndex(a => a.Actor);
            audit.HasIndex(a => a.Action);
        });
    }

    private static AdminRole ParseRole(string value) => AdminRoles.TryParse(value, out var role) ? role : AdminRole.Viewer;
}

internal sealed class AdminDbContextDesignTimeFactory : IDesignTimeDbContextFactory<AdminDbContext>
{
    public AdminDbContext CreateDbContext(string[] args) => new(ModuleDatabaseExtensions.DesignTimeOptions<AdminDbContext>(AdminDbContext.Schema));
}
