using System;
using System.Text.Json;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Map.Modules.Duty.Data.Migrations
{
    /// <inheritdoc />
    public partial class DutyJournalBreaksNotifications : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "escalation_step",
                schema: "duty",
                table: "sos_alerts",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<DateTime>(
                name: "next_escalation_at",
                schema: "duty",
                table: "sos_alerts",
                type: "timestamp with time zone",
                nullable: true);

            // SOS already open when this ships escalate at their next scan (decision 0084).
            migrationBuilder.Sql("UPDATE duty.sos_alerts SET next_escalation_at = created_at WHERE status = 'open';");

            migrationBuilder.CreateTable(
                name: "break_requests",
                schema: "duty",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    user_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    shift_id = table.Column<int>(type: "integer", nullable: true),
                    requested_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    duration_min = table.Column<int>(type: "integer", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    approved_by = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    started_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    ends_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    ended_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    due_notified = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_break_requests", x => x.id);
                    table.CheckConstraint("ck_break_requests_status", "status IN ('requested', 'started', 'ended')");
                    table.ForeignKey(
                        name: "fk_break_requests_duty_shifts_shift_id",
                        column: x => x.shift_id,
                        principalSchema: "duty",
                        principalTable: "duty_shifts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateTable(
                name: "duty_events",
                schema: "duty",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    user_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    shift_id = table.Column<int>(type: "integer", nullable: true),
                    ts = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    event_type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    actor = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    payload = table.Column<JsonDocument>(type: "jsonb", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_duty_events", x => x.id);
                    table.CheckConstraint("ck_duty_events_actor", "actor IN ('user', 'admin', 'system')");
                    table.ForeignKey(
                        name: "fk_duty_events_duty_shifts_shift_id",
                        column: x => x.shift_id,
                        principalSchema: "duty",
                        principalTable: "duty_shifts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateTable(
                name: "duty_notifications",
                schema: "duty",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    user_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    text = table.Column<string>(type: "character varying(4096)", maxLength: 4096, nullable: false),
                    payload = table.Column<JsonDocument>(type: "jsonb", nullable: true),
                    acked = table.Column<bool>(type: "boolean", nullable: false),
                    acked_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_duty_notifications", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_sos_alerts_escalation_due",
                schema: "duty",
                table: "sos_alerts",
                column: "next_escalation_at",
                filter: "status = 'open' AND next_escalation_at IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_break_requests_due",
                schema: "duty",
                table: "break_requests",
                column: "ends_at",
                filter: "status = 'started' AND NOT due_notified");

            migrationBuilder.CreateIndex(
                name: "ix_break_requests_shift_id",
                schema: "duty",
                table: "break_requests",
                column: "shift_id");

            migrationBuilder.CreateIndex(
                name: "ix_break_requests_status",
                schema: "duty",
                table: "break_requests",
                column: "status");

            migrationBuilder.CreateIndex(
                name: "ix_break_requests_user_status",
                schema: "duty",
                table: "break_requests",
                columns: new[] { "user_id", "status" });

            migrationBuilder.CreateIndex(
                name: "ix_duty_events_event_type",
                schema: "duty",
                table: "duty_events",
                column: "event_type");

            migrationBuilder.CreateIndex(
                name: "ix_duty_events_shift_ts",
                schema: "duty",
                table: "duty_events",
                columns: new[] { "shift_id", "ts" });

            migrationBuilder.CreateIndex(
                name: "ix_duty_events_user_id",
                schema: "duty",
                table: "duty_events",
                column: "user_id");

            migrationBuilder.CreateIndex(
                name: "ix_duty_notifications_pending",
                schema: "duty",
                table: "duty_notifications",
                columns: new[] { "user_id", "id" },
                filter: "NOT acked");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "break_requests",
                schema: "duty");

            migrationBuilder.DropTable(
                name: "duty_events",
                schema: "duty");

            migrationBuilder.DropTable(
                name: "duty_notifications",
                schema: "duty");

            migrationBuilder.DropIndex(
                name: "ix_sos_alerts_escalation_due",
                schema: "duty",
                table: "sos_alerts");

            migrationBuilder.DropColumn(
                name: "escalation_step",
                schema: "duty",
                table: "sos_alerts");

            migrationBuilder.DropColumn(
                name: "next_escalation_at",
                schema: "duty",
                table: "sos_alerts");
        }
    }
}
