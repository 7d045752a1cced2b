using Map.Modules.Duty.Domain;
using Microsoft.EntityFrameworkCore.Design;

namespace Map.Modules.Duty.Data;

internal sealed class DutyDbContext(DbContextOptions<DutyDbContext> options) : DbContext(options)
{
    public const string Schema = "duty";

    public DbSet<DutyShift> Shifts => Set<DutyShift>();

    public DbSet<SosAlert> SosAlerts => Set<SosAlert>();

    public DbSet<DutyEvent> Events => Set<DutyEvent>();

    public DbSet<BreakRequest> Breaks => Set<BreakRequest>();

    public DbSet<DutyNotification> Notifications => Set<DutyNotification>();

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
            // The escalation job's scan: open SOS whose next step is due.
            sos.HasIndex(s => s.NextEscalationAt, "ix_sos_alerts_escalation_due").HasDatabaseName("ix_sos_alerts_escalation_due")
                .HasFilter("status = 'open' AND next_escalation_at IS NOT NULL");
        });

        modelBuilder.Entity<DutyEvent>(e =>
        {
            e.ToTable("duty_events", t => t.HasCheckConstraint("ck_duty_events_actor", "actor IN ('user', 'admin', 'system')"));
            e.Property(x => x.UserId).HasMaxLength(DutyShift.UserIdMaxLength);
            e.Property(x => x.EventType).HasMaxLength(64);
            e.Property(x => x.Actor).HasMaxLength(16);
            e.Property(x => x.Payload).HasColumnType("jsonb");
            e.HasOne<DutyShift>().WithMany().HasForeignKey(x => x.ShiftId).OnDelete(DeleteBehavior.SetNull);
            e.HasIndex(x => x.UserId, "ix_duty_events_user_id").HasDatabaseName("ix_duty_events_user_id");
            e.HasIndex(x => new { x.ShiftId, x.Ts }, "ix_duty_events_shift_ts").HasDatabaseName("ix_duty_events_shift_ts");
            e.HasIndex(x => x.EventType, "ix_duty_events_event_type").HasDatabaseName("ix_duty_events_event_type");
        });

        modelBuilder.Entity<BreakRequest>(b =>
        {
            b.ToTable("break_requests", t => t.HasCheckConstraint("ck_break_requests_status", "status IN ('requested', 'started', 'ended')"));
            b.Property(x => x.UserId).HasMaxLength(DutyShift.UserIdMaxLength);
            b.Property(x => x.Status).HasMaxLength(16);
            b.Property(x => x.ApprovedBy).HasMaxLength(64);
            b.HasOne<DutyShift>().WithMany().HasForeignKey(x => x.ShiftId).OnDelete(DeleteBehavior.SetNull);
            b.HasIndex(x => new { x.UserId, x.Status }, "ix_break_requests_user_status").HasDatabaseName("ix_break_requests_user_status");
            b.HasIndex(x => x.Status, "ix_break_requests_status").HasDatabaseName("ix_break_requests_status");
            b.HasIndex(x => x.EndsAt, "ix_break_requests_due").HasDatabaseName("ix_break_requests_due")
                .HasFilter("status = 'started' AND NOT due_notified");
        });

        modelBuilder.Entity<DutyNotification>(n =>
        {
            n.ToTable("duty_notifications");
            n.Property(x => x.UserId).HasMaxLength(DutyShift.UserIdMaxLength);
            n.Property(x => x.Kind).HasMaxLength(32);
            n.Property(x => x.Text).HasMaxLength(4096);
            n.Property(x => x.Payload).HasColumnType("jsonb");
            // The bot's poll: unacked per user, oldest first.
            n.HasIndex(x => new { x.UserId, x.Id }, "ix_duty_notifications_pending").HasDatabaseName("ix_duty_notifications_pending")
                .HasFilter("NOT acked");
        });
    }
}

internal sealed class DutyDbContextDesignTimeFactory : IDesignTimeDbContextFactory<DutyDbContext>
{
    public DutyDbContext CreateDbContext(string[] args) => new(ModuleDatabaseExtensions.DesignTimeOptions<DutyDbContext>(DutyDbContext.Schema));
}
