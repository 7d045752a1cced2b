using Map.Modules.Duty.Domain;
using Map.SharedKernel;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Map.Modules.Duty.Data;

internal sealed class DutyDbContext(DbContextOptions<DutyDbContext> options) : DbContext(options)
{
    public const string Schema = "duty";

    public DbSet<DutyShift> Shifts => Set<DutyShift>();

    public DbSet<SosAlert> SosAlerts => Set<SosAlert>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);

        modelBuilder.Entity<DutyShift>(shift =>
        {
            shift.ToTable("duty_shifts");
            shift.Property(s => s.UserId).HasMaxLength(DutyShift.UserIdMaxLength);
            shift.Property(s => s.UnitLabel).HasMaxLength(DutyShift.UnitLabelMaxLength);
            shift.HasIndex(s => s.UserId, "ix_duty_shifts_user_id").HasDatabaseName("ix_duty_shifts_user_id");
            shift.HasIndex(s => s.StartedAt, "ix_duty_shifts_started_at").HasDatabaseName("ix_duty_shifts_started_at");
            shift.HasIndex(s => s.EndedAt, "ix_duty_shifts_ended_at").HasDatabaseName("ix_duty_shifts_ended_at");
            // One active shift per user, whoever opens it (bot, app): concurrent get-or-create calls meet here.
            shift.HasIndex(s => s.UserId, "ux_duty_shifts_active_user").HasDatabaseName("ux_duty_shifts_active_user")
                .IsUnique().HasFilter("ended_at IS NULL");
        });

        modelBuilder.Entity<SosAlert>(sos =>
        {
            sos.ToTable("sos_alerts", t => t.HasCheckConstraint("ck_sos_alerts_status", "status IN ('open', 'acked', 'closed')"));
            sos.Property(s => s.UserId).HasMaxLength(DutyShift.UserIdMaxLength);
            sos.Property(s => s.UnitLabel).HasMaxLength(DutyShift.UnitLabelMaxLength);
            sos.Property(s => s.Status).HasMaxLength(16);
            sos.Property(s => s.Note).HasMaxLength(SosAlert.NoteMaxLength);
            sos.Property(s => s.AckedBy).HasMaxLength(64);
            sos.Property(s => s.ClosedBy).HasMaxLength(64);
            sos.HasOne<DutyShift>().WithMany().HasForeignKey(s => s.ShiftId).OnDelete(DeleteBehavior.SetNull);
            sos.HasIndex(s => new { s.UserId, s.Status }, "ix_sos_alerts_user_status").HasDatabaseName("ix_sos_alerts_user_status");
            sos.HasIndex(s => s.CreatedAt, "ix_sos_alerts_created_at").HasDatabaseName("ix_sos_alerts_created_at");
            sos.HasIndex(s => s.Status, "ix_sos_alerts_status").HasDatabaseName("ix_sos_alerts_status");
        });
    }
}

internal sealed class DutyDbContextDesignTimeFactory : IDesignTimeDbContextFactory<DutyDbContext>
{
    public DutyDbContext CreateDbContext(string[] args) => new(ModuleDatabaseExtensions.DesignTimeOptions<DutyDbContext>(DutyDbContext.Schema));
}
