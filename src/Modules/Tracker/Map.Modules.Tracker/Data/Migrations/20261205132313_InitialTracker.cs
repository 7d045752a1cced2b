using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Map.Modules.Tracker.Data.Migrations
{
    /// <inheritdoc />
    public partial class InitialTracker : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "tracker");

            migrationBuilder.CreateTable(
                name: "tracker_alert_notices",
                schema: "tracker",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    alert_id = table.Column<long>(type: "bigint", nullable: false),
                    device_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    user_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    severity = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    chat_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    text = table.Column<string>(type: "character varying(4096)", maxLength: 4096, nullable: false),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    next_attempt_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    sent_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    last_error = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_tracker_alert_notices", x => x.id);
                    table.CheckConstraint("ck_tracker_alert_notices_state", "state IN ('pending', 'sent', 'throttled', 'failed')");
                });

            migrationBuilder.CreateTable(
                name: "tracker_alert_notify_log",
                schema: "tracker",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    device_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    user_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    severity = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: true),
                    sent_to = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    sent_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    digest = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_tracker_alert_notify_log", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "tracker_alerts",
                schema: "tracker",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    device_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    user_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    severity = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    message = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    payload = table.Column<string>(type: "jsonb", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    is_active = table.Column<bool>(type: "boolean", nullable: false),
                    acked_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    acked_by = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    closed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    closed_by = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    reopen_blocked = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_tracker_alerts", x => x.id);
                    table.CheckConstraint("ck_tracker_alerts_severity", "severity IN ('info', 'warn', 'crit')");
                });

            migrationBuilder.CreateTable(
                name: "tracker_device_health",
                schema: "tracker",
                columns: table => new
                {
                    device_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    user_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    battery_pct = table.Column<int>(type: "integer", nullable: true),
                    is_charging = table.Column<bool>(type: "boolean", nullable: true),
                    net = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    gps = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    accuracy_m = table.Column<double>(type: "double precision", nullable: true),
                    queue_size = table.Column<int>(type: "integer", nullable: true),
                    tracking_on = table.Column<bool>(type: "boolean", nullable: true),
                    last_send_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    last_error = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    app_version = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    device_model = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    os_version = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    extra_json = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_tracker_device_health", x => x.device_id);
                });

            migrationBuilder.CreateTable(
                name: "tracker_device_health_log",
                schema: "tracker",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ts = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    device_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    user_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    battery_pct = table.Column<int>(type: "integer", nullable: true),
                    is_charging = table.Column<bool>(type: "boolean", nullable: true),
                    net = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    gps = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    accuracy_m = table.Column<double>(type: "double precision", nullable: true),
                    queue_size = table.Column<int>(type: "integer", nullable: true),
                    tracking_on = table.Column<bool>(type: "boolean", nullable: true),
                    last_send_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    last_error = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    app_version = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    device_model = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    os_version = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    extra_json = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_tracker_device_health_log", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "tracker_devices",
                schema: "tracker",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    public_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    token_hash = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    is_revoked = table.Column<bool>(type: "boolean", nullable: false),
                    label = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    profile_json = table.Column<string>(type: "text", nullable: true),
                    user_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    last_seen_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_tracker_devices", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "tracker_pair_codes",
                schema: "tracker",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    code_hash = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    expires_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    used_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    label = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_tracker_pair_codes", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "tracking_sessions",
                schema: "tracker",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    user_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    shift_id = table.Column<int>(type: "integer", nullable: true),
                    message_id = table.Column<int>(type: "integer", nullable: true),
                    source = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    device_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    started_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ended_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    is_active = table.Column<bool>(type: "boolean", nullable: false),
                    last_lat = table.Column<double>(type: "double precision", nullable: true),
                    last_lon = table.Column<double>(type: "double precision", nullable: true),
                    last_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    snapshot_path = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    summary_json = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_tracking_sessions", x => x.id);
                    table.CheckConstraint("ck_tracking_sessions_source", "source IN ('app', 'telegram')");
                });

            migrationBuilder.CreateTable(
                name: "tracking_stops",
                schema: "tracker",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    session_id = table.Column<long>(type: "bigint", nullable: false),
                    start_ts = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    end_ts = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    center_lat = table.Column<double>(type: "double precision", nullable: false),
                    center_lon = table.Column<double>(type: "double precision", nullable: false),
                    duration_sec = table.Column<int>(type: "integer", nullable: false),
                    radius_m = table.Column<int>(type: "integer", nullable: false),
                    points_count = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_tracking_stops", x => x.id);
                    table.ForeignKey(
                        name: "fk_tracking_stops_tracking_sessions_session_id",
                        column: x => x.session_id,
                        principalSchema: "tracker",
                        principalTable: "tracking_sessions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_tracker_alert_notices_due",
                schema: "tracker",
                table: "tracker_alert_notices",
                column: "next_attempt_at",
                filter: "state = 'pending'");

            migrationBuilder.CreateIndex(
                name: "ix_tracker_alert_notify_log_device_kind",
                schema: "tracker",
                table: "tracker_alert_notify_log",
                columns: new[] { "device_id", "kind" });

            migrationBuilder.CreateIndex(
                name: "ix_tracker_alert_notify_log_sent_at",
                schema: "tracker",
                table: "tracker_alert_notify_log",
                column: "sent_at");

            migrationBuilder.CreateIndex(
                name: "ix_tracker_alerts_active_kind",
                schema: "tracker",
                table: "tracker_alerts",
                columns: new[] { "is_active", "kind" });

            migrationBuilder.CreateIndex(
                name: "ix_tracker_alerts_device_kind",
                schema: "tracker",
                table: "tracker_alerts",
                columns: new[] { "device_id", "kind" });

            migrationBuilder.CreateIndex(
                name: "ix_tracker_alerts_updated_at",
                schema: "tracker",
                table: "tracker_alerts",
                column: "updated_at");

            migrationBuilder.CreateIndex(
                name: "ix_tracker_alerts_user_kind",
                schema: "tracker",
                table: "tracker_alerts",
                columns: new[] { "user_id", "kind" });

            migrationBuilder.CreateIndex(
                name: "ux_tracker_alerts_active",
                schema: "tracker",
                table: "tracker_alerts",
                columns: new[] { "device_id", "user_id", "kind" },
                unique: true,
                filter: "is_active")
                .Annotation("Npgsql:NullsDistinct", false);

            migrationBuilder.CreateIndex(
                name: "ix_tracker_device_health_updated_at",
                schema: "tracker",
                table: "tracker_device_health",
                column: "updated_at");

            migrationBuilder.CreateIndex(
                name: "ix_tracker_device_health_user_id",
                schema: "tracker",
                table: "tracker_device_health",
                column: "user_id");

            migrationBuilder.CreateIndex(
                name: "ix_tracker_device_health_log_device_ts",
                schema: "tracker",
                table: "tracker_device_health_log",
                columns: new[] { "device_id", "ts" });

            migrationBuilder.CreateIndex(
                name: "ix_tracker_device_health_log_ts",
                schema: "tracker",
                table: "tracker_device_health_log",
                column: "ts");

            migrationBuilder.CreateIndex(
                name: "ix_tracker_devices_created",
                schema: "tracker",
                table: "tracker_devices",
                columns: new[] { "created_at", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_tracker_devices_last_seen_at",
                schema: "tracker",
                table: "tracker_devices",
                column: "last_seen_at");

            migrationBuilder.CreateIndex(
                name: "ix_tracker_devices_user_id",
                schema: "tracker",
                table: "tracker_devices",
                column: "user_id");

            migrationBuilder.CreateIndex(
                name: "ux_tracker_devices_public_id",
                schema: "tracker",
                table: "tracker_devices",
                column: "public_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ux_tracker_devices_token_hash",
                schema: "tracker",
                table: "tracker_devices",
                column: "token_hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_tracker_pair_codes_expires_at",
                schema: "tracker",
                table: "tracker_pair_codes",
                column: "expires_at");

            migrationBuilder.CreateIndex(
                name: "ux_tracker_pair_codes_code_hash",
                schema: "tracker",
                table: "tracker_pair_codes",
                column: "code_hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_tracking_sessions_message_id",
                schema: "tracker",
                table: "tracking_sessions",
                column: "message_id");

            migrationBuilder.CreateIndex(
                name: "ix_tracking_sessions_open",
                schema: "tracker",
                table: "tracking_sessions",
                column: "user_id",
                filter: "ended_at IS NULL");

            migrationBuilder.CreateIndex(
                name: "ix_tracking_sessions_shift_id",
                schema: "tracker",
                table: "tracking_sessions",
                column: "shift_id");

            migrationBuilder.CreateIndex(
                name: "ix_tracking_sessions_user_started",
                schema: "tracker",
                table: "tracking_sessions",
                columns: new[] { "user_id", "started_at" });

            migrationBuilder.CreateIndex(
                name: "ux_tracking_sessions_open_app",
                schema: "tracker",
                table: "tracking_sessions",
                column: "user_id",
                unique: true,
                filter: "ended_at IS NULL AND source = 'app'");

            migrationBuilder.CreateIndex(
                name: "ix_tracking_stops_end_ts",
                schema: "tracker",
                table: "tracking_stops",
                column: "end_ts");

            migrationBuilder.CreateIndex(
                name: "ix_tracking_stops_session_id",
                schema: "tracker",
                table: "tracking_stops",
                column: "session_id");

            // tracking_points: natively range-partitioned by ts (weekly partitions, created on demand by PointPartitions,
            // dropped whole by retention). Identity columns on partitioned tables need PostgreSQL 17, so a sequence.
            migrationBuilder.Sql(
                """
                CREATE SEQUENCE tracker.tracking_points_id_seq AS bigint;
                CREATE TABLE tracker.tracking_points (
                    id          bigint NOT NULL DEFAULT nextval('tracker.tracking_points_id_seq'),
                    session_id  bigint NULL,
                    user_id     varchar(32) NOT NULL,
                    device_id   varchar(32) NULL,
                    ts          timestamptz NOT NULL,
                    lat         double precision NOT NULL,
                    lon         double precision NOT NULL,
                    accuracy_m  double precision NULL,
                    kind        varchar(16) NOT NULL DEFAULT 'live',
                    speed_mps   double precision NULL,
                    bearing_deg double precision NULL,
                    flags       text[] NULL,
                    raw_json    text NULL
                ) PARTITION BY RANGE (ts);
                ALTER SEQUENCE tracker.tracking_points_id_seq OWNED BY tracker.tracking_points.id;
                -- The dedupe key, and the track of a session (prefix session_id, ts).
                CREATE UNIQUE INDEX ux_tracking_points_session_ts_kind ON tracker.tracking_points (session_id, ts, kind);
                -- A user's latest points, and admin time-range reads by user.
                CREATE INDEX ix_tracking_points_user_ts ON tracker.tracking_points (user_id, ts);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TABLE IF EXISTS tracker.tracking_points; DROP SEQUENCE IF EXISTS tracker.tracking_points_id_seq;");

            migrationBuilder.DropTable(
                name: "tracker_alert_notices",
                schema: "tracker");

            migrationBuilder.DropTable(
                name: "tracker_alert_notify_log",
                schema: "tracker");

            migrationBuilder.DropTable(
                name: "tracker_alerts",
                schema: "tracker");

            migrationBuilder.DropTable(
                name: "tracker_device_health",
                schema: "tracker");

            migrationBuilder.DropTable(
                name: "tracker_device_health_log",
                schema: "tracker");

            migrationBuilder.DropTable(
                name: "tracker_devices",
                schema: "tracker");

            migrationBuilder.DropTable(
                name: "tracker_pair_codes",
                schema: "tracker");

            migrationBuilder.DropTable(
                name: "tracking_stops",
                schema: "tracker");

            migrationBuilder.DropTable(
                name: "tracking_sessions",
                schema: "tracker");
        }
    }
}
