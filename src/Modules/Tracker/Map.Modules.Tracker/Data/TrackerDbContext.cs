using Map.Modules.Tracker.Domain;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Map.Modules.Tracker.Data;

/// <summary>
/// The Tracker's tables (schema <c>tracker</c>). <c>tracking_points</c> is not mapped: it is a natively partitioned
/// table created by raw SQL in the migration and written and read through <see cref="Points.PointStore"/>.
/// </summary>
internal sealed class TrackerDbContext(DbContextOptions<TrackerDbContext> options) : DbContext(options)
{
    public const string Schema = "tracker";

    public DbSet<TrackerDevice> Devices => Set<TrackerDevice>();

    public DbSet<TrackerPairCode> PairCodes => Set<TrackerPairCode>();

    public DbSet<DeviceHealth> Health => Set<DeviceHealth>();

    public DbSet<DeviceHealthLog> HealthLog => Set<DeviceHealthLog>();

    public DbSet<TrackerAlert> Alerts => Set<TrackerAlert>();

    public DbSet<AlertNotice> AlertNotices => Set<AlertNotice>();

    public DbSet<AlertNotifyLog> AlertNotifyLog => Set<AlertNotifyLog>();

    public DbSet<TrackingSession> Sessions => Set<TrackingSession>();

    public DbSet<TrackingStop> Stops => Set<TrackingStop>();

    public DbSet<ServiceAccess> ServiceAccessRows => Set<ServiceAccess>();

    public DbSet<ConnectRequest> ConnectRequests => Set<ConnectRequest>();

    public DbSet<BootstrapToken> BootstrapTokens => Set<BootstrapToken>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);

        modelBuilder.Entity<TrackerDevice>(device =>
        {
            device.ToTable("tracker_devices");
            device.Property(d => d.PublicId).HasMaxLength(32);
            device.Property(d => d.TokenHash).HasMaxLength(64).IsFixedLength();
            device.Property(d => d.Label).HasMaxLength(TrackerDevice.LabelMaxLength);
            device.Property(d => d.UserId).HasMaxLength(TrackerDevice.UserIdMaxLength);
            device.Ignore(d => d.DisplayName);
            device.HasIndex(d => d.PublicId, "ux_tracker_devices_public_id").HasDatabaseName("ux_tracker_devices_public_id").IsUnique();
            device.HasIndex(d => d.TokenHash, "ux_tracker_devices_token_hash").HasDatabaseName("ux_tracker_devices_token_hash").IsUnique();
            device.HasIndex(d => d.UserId, "ix_tracker_devices_user_id").HasDatabaseName("ix_tracker_devices_user_id");
            device.HasIndex(d => new { d.CreatedAt, d.Id }, "ix_tracker_devices_created").HasDatabaseName("ix_tracker_devices_created");
            device.HasIndex(d => d.LastSeenAt, "ix_tracker_devices_last_seen_at").HasDatabaseName("ix_tracker_devices_last_seen_at");
        });

        modelBuilder.Entity<TrackerPairCode>(code =>
        {
            code.ToTable("tracker_pair_codes");
            code.Property(c => c.CodeHash).HasMaxLength(64).IsFixedLength();
            code.Property(c => c.Label).HasMaxLength(TrackerDevice.LabelMaxLength);
            code.Property(c => c.UserId).HasMaxLength(TrackerDevice.UserIdMaxLength);
            code.HasIndex(c => c.CodeHash, "ux_tracker_pair_codes_code_hash").HasDatabaseName("ux_tracker_pair_codes_code_hash").IsUnique();
            code.HasIndex(c => c.ExpiresAt, "ix_tracker_pair_codes_expires_at").HasDatabaseName("ix_tracker_pair_codes_expires_at");
        });

        modelBuilder.Entity<ServiceAccess>(access =>
        {
            access.ToTable("service_access");
            access.Property(a => a.TgUserId).HasMaxLength(ServiceAccess.TgUserIdMaxLength);
            access.Property(a => a.Status).HasMaxLength(16);
            access.Property(a => a.DecidedBy).HasMaxLength(ServiceAccess.DecidedByMaxLength);
            access.Property(a => a.Note).HasMaxLength(ServiceAccess.NoteMaxLength);
            access.Ignore(a => a.EffectiveStatus);
            access.HasIndex(a => a.TgUserId, "ux_service_access_tg_user_id").HasDatabaseName("ux_service_access_tg_user_id").IsUnique();
            access.HasIndex(a => a.Status, "ix_service_access_status").HasDatabaseName("ix_service_access_status");
        });

        modelBuilder.Entity<ConnectRequest>(request =>
        {
            request.ToTable("tracker_connect_requests", t => t.HasCheckConstraint("ck_tracker_connect_requests_status", "status IN ('pending', 'approved', 'denied')"));
            request.Property(r => r.TgUserId).HasMaxLength(TrackerDevice.UserIdMaxLength);
            request.Property(r => r.Status).HasMaxLength(16);
            request.Property(r => r.Note).HasMaxLength(ServiceAccess.NoteMaxLength);
            request.Property(r => r.BaseUrl).HasMaxLength(BootstrapToken.BaseUrlMaxLength);
            request.Property(r => r.DecidedBy).HasMaxLength(ServiceAccess.DecidedByMaxLength);
            request.Property(r => r.LastSentVia).HasMaxLength(8);
            request.Property(r => r.LastSendError).HasMaxLength(ConnectRequest.SendErrorMaxLength);
            request.HasIndex(r => r.TgUserId, "ux_tracker_connect_requests_tg_user_id").HasDatabaseName("ux_tracker_connect_requests_tg_user_id").IsUnique();
            request.HasIndex(r => r.Status, "ix_tracker_connect_requests_status").HasDatabaseName("ix_tracker_connect_requests_status");
        });

        modelBuilder.Entity<BootstrapToken>(token =>
        {
            token.ToTable("tracker_bootstrap_tokens");
            token.Property(t => t.TokenHash).HasMaxLength(64).IsFixedLength();
            token.Property(t => t.TgUserId).HasMaxLength(TrackerDevice.UserIdMaxLength);
            token.Property(t => t.Label).HasMaxLength(TrackerDevice.LabelMaxLength);
            token.Property(t => t.BaseUrl).HasMaxLength(BootstrapToken.BaseUrlMaxLength);
            token.HasOne<TrackerPairCode>().WithMany().HasForeignKey(t => t.PairCodeId).OnDelete(DeleteBehavior.Cascade);
            token.HasIndex(t => t.TokenHash, "ux_tracker_bootstrap_tokens_token_hash").HasDatabaseName("ux_tracker_bootstrap_tokens_token_hash").IsUnique();
            token.HasIndex(t => t.TgUserId, "ix_tracker_bootstrap_tokens_tg_user_id").HasDatabaseName("ix_tracker_bootstrap_tokens_tg_user_id");
            token.HasIndex(t => t.PairCodeId, "ix_tracker_bootstrap_tokens_pair_code_id").HasDatabaseName("ix_tracker_bootstrap_tokens_pair_code_id");
        });

        modelBuilder.Entity<DeviceHealth>(health =>
        {
            health.ToTable("tracker_device_health");
            health.HasKey(h => h.DeviceId);
            ConfigureState(health);
            health.HasIndex(h => h.UserId, "ix_tracker_device_health_user_id").HasDatabaseName("ix_tracker_device_health_user_id");
            health.HasIndex(h => h.UpdatedAt, "ix_tracker_device_health_updated_at").HasDatabaseName("ix_tracker_device_health_updated_at");
        });

        modelBuilder.Entity<DeviceHealthLog>(log =>
        {
            log.ToTable("tracker_device_health_log");
            ConfigureState(log);
            // History of one device, newest first; retention by time.
            log.HasIndex(h => new { h.DeviceId, h.Ts }, "ix_tracker_device_health_log_device_ts").HasDatabaseName("ix_tracker_device_health_log_device_ts");
            log.HasIndex(h => h.Ts, "ix_tracker_device_health_log_ts").HasDatabaseName("ix_tracker_device_health_log_ts");
        });

        modelBuilder.Entity<TrackerAlert>(alert =>
        {
            alert.ToTable("tracker_alerts", t => t.HasCheckConstraint("ck_tracker_alerts_severity", "severity IN ('info', 'warn', 'crit')"));
            alert.Property(a => a.DeviceId).HasMaxLength(32);
            alert.Property(a => a.UserId).HasMaxLength(32);
            alert.Property(a => a.Kind).HasMaxLength(32);
            alert.Property(a => a.Severity).HasMaxLength(8);
            alert.Property(a => a.Message).HasMaxLength(256);
            alert.Property(a => a.Payload).HasColumnType("jsonb");
            alert.Property(a => a.AckedBy).HasMaxLength(64);
            alert.Property(a => a.ClosedBy).HasMaxLength(64);
            // At most one active alert per (device, user, kind); NULLS NOT DISTINCT so a missing device or user counts too.
            alert.HasIndex(a => new { a.DeviceId, a.UserId, a.Kind }, "ux_tracker_alerts_active").HasDatabaseName("ux_tracker_alerts_active")
                .IsUnique().AreNullsDistinct(false).HasFilter("is_active");
            alert.HasIndex(a => new { a.IsActive, a.Kind }, "ix_tracker_alerts_active_kind").HasDatabaseName("ix_tracker_alerts_active_kind");
            alert.HasIndex(a => new { a.DeviceId, a.Kind }, "ix_tracker_alerts_device_kind").HasDatabaseName("ix_tracker_alerts_device_kind");
            alert.HasIndex(a => new { a.UserId, a.Kind }, "ix_tracker_alerts_user_kind").HasDatabaseName("ix_tracker_alerts_user_kind");
            alert.HasIndex(a => a.UpdatedAt, "ix_tracker_alerts_updated_at").HasDatabaseName("ix_tracker_alerts_updated_at");
        });

        modelBuilder.Entity<AlertNotice>(notice =>
        {
            notice.ToTable("tracker_alert_notices", t => t.HasCheckConstraint("ck_tracker_alert_notices_state", "state IN ('pending', 'sent', 'throttled', 'failed')"));
            notice.Property(n => n.DeviceId).HasMaxLength(32);
            notice.Property(n => n.UserId).HasMaxLength(32);
            notice.Property(n => n.Kind).HasMaxLength(32);
            notice.Property(n => n.Severity).HasMaxLength(8);
            notice.Property(n => n.ChatId).HasMaxLength(64);
            notice.Property(n => n.Text).HasMaxLength(4096);
            notice.Property(n => n.State).HasMaxLength(16);
            notice.Property(n => n.LastError).HasMaxLength(512);
            notice.HasIndex(n => n.NextAttemptAt, "ix_tracker_alert_notices_due").HasDatabaseName("ix_tracker_alert_notices_due").HasFilter("state = 'pending'");
        });

        modelBuilder.Entity<AlertNotifyLog>(log =>
        {
            log.ToTable("tracker_alert_notify_log");
            log.Property(l => l.DeviceId).HasMaxLength(32);
            log.Property(l => l.UserId).HasMaxLength(32);
            log.Property(l => l.Kind).HasMaxLength(32);
            log.Property(l => l.Severity).HasMaxLength(8);
            log.Property(l => l.SentTo).HasMaxLength(64);
            log.Property(l => l.Digest).HasMaxLength(16);
            log.HasIndex(l => new { l.DeviceId, l.Kind }, "ix_tracker_alert_notify_log_device_kind").HasDatabaseName("ix_tracker_alert_notify_log_device_kind");
            log.HasIndex(l => l.SentAt, "ix_tracker_alert_notify_log_sent_at").HasDatabaseName("ix_tracker_alert_notify_log_sent_at");
        });

        modelBuilder.Entity<TrackingSession>(session =>
        {
            session.ToTable("tracking_sessions", t => t.HasCheckConstraint("ck_tracking_sessions_source", "source IN ('app', 'telegram')"));
            session.Property(s => s.UserId).HasMaxLength(32);
            session.Property(s => s.Source).HasMaxLength(16);
            session.Property(s => s.DeviceId).HasMaxLength(32);
            session.Property(s => s.SnapshotPath).HasMaxLength(255);
            session.HasIndex(s => new { s.UserId, s.StartedAt }, "ix_tracking_sessions_user_started").HasDatabaseName("ix_tracking_sessions_user_started");
            session.HasIndex(s => s.ShiftId, "ix_tracking_sessions_shift_id").HasDatabaseName("ix_tracking_sessions_shift_id");
            session.HasIndex(s => s.MessageId, "ix_tracking_sessions_message_id").HasDatabaseName("ix_tracking_sessions_message_id");
            // One open app session per user: an implicit start by two concurrent uploads creates one session.
            session.HasIndex(s => s.UserId, "ux_tracking_sessions_open_app").HasDatabaseName("ux_tracking_sessions_open_app")
                .IsUnique().HasFilter("ended_at IS NULL AND source = 'app'");
            session.HasIndex(s => s.UserId, "ix_tracking_sessions_open").HasDatabaseName("ix_tracking_sessions_open").HasFilter("ended_at IS NULL");
        });

        modelBuilder.Entity<TrackingStop>(stop =>
        {
            stop.ToTable("tracking_stops");
            stop.HasOne<TrackingSession>().WithMany().HasForeignKey(s => s.SessionId).OnDelete(DeleteBehavior.Cascade);
            stop.HasIndex(s => s.SessionId, "ix_tracking_stops_session_id").HasDatabaseName("ix_tracking_stops_session_id");
            stop.HasIndex(s => s.EndTs, "ix_tracking_stops_end_ts").HasDatabaseName("ix_tracking_stops_end_ts");
        });
    }

    private static void ConfigureState<T>(EntityTypeBuilder<T> state)
        where T : HealthState
    {
        state.Property(h => h.DeviceId).HasMaxLength(32);
        state.Property(h => h.UserId).HasMaxLength(32);
        state.Property(h => h.Net).HasMaxLength(16);
        state.Property(h => h.Gps).HasMaxLength(16);
        state.Property(h => h.LastError).HasMaxLength(256);
        state.Property(h => h.AppVersion).HasMaxLength(32);
        state.Property(h => h.DeviceModel).HasMaxLength(64);
        state.Property(h => h.OsVersion).HasMaxLength(32);
    }
}

internal sealed class TrackerDbContextDesignTimeFactory : IDesignTimeDbContextFactory<TrackerDbContext>
{
    public TrackerDbContext CreateDbContext(string[] args) => new(ModuleDatabaseExtensions.DesignTimeOptions<TrackerDbContext>(TrackerDbContext.Schema));
}
