using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Map.Modules.Duty.Data.Migrations
{
    /// <inheritdoc />
    public partial class InitialDuty : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "duty");

            migrationBuilder.CreateTable(
                name: "duty_shifts",
                schema: "duty",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    user_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    unit_label = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    started_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ended_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    start_lat = table.Column<double>(type: "double precision", nullable: true),
                    start_lon = table.Column<double>(type: "double precision", nullable: true),
                    end_lat = table.Column<double>(type: "double precision", nullable: true),
                    end_lon = table.Column<double>(type: "double precision", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_duty_shifts", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "sos_alerts",
                schema: "duty",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    user_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    shift_id = table.Column<int>(type: "integer", nullable: true),
                    session_id = table.Column<long>(type: "bigint", nullable: true),
                    unit_label = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    lat = table.Column<double>(type: "double precision", nullable: true),
                    lon = table.Column<double>(type: "double precision", nullable: true),
                    accuracy_m = table.Column<double>(type: "double precision", nullable: true),
                    note = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    acked_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    acked_by = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    closed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    closed_by = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_sos_alerts", x => x.id);
                    table.CheckConstraint("ck_sos_alerts_status", "status IN ('open', 'acked', 'closed')");
                    table.ForeignKey(
                        name: "fk_sos_alerts_duty_shifts_shift_id",
                        column: x => x.shift_id,
                        principalSchema: "duty",
                        principalTable: "duty_shifts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateIndex(
                name: "ix_duty_shifts_ended_at",
                schema: "duty",
                table: "duty_shifts",
                column: "ended_at");

            migrationBuilder.CreateIndex(
                name: "ix_duty_shifts_started_at",
                schema: "duty",
                table: "duty_shifts",
                column: "started_at");

            migrationBuilder.CreateIndex(
                name: "ix_duty_shifts_user_id",
                schema: "duty",
                table: "duty_shifts",
                column: "user_id");

            migrationBuilder.CreateIndex(
                name: "ux_duty_shifts_active_user",
                schema: "duty",
                table: "duty_shifts",
                column: "user_id",
                unique: true,
                filter: "ended_at IS NULL");

            migrationBuilder.CreateIndex(
                name: "ix_sos_alerts_created_at",
                schema: "duty",
                table: "sos_alerts",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "ix_sos_alerts_shift_id",
                schema: "duty",
                table: "sos_alerts",
                column: "shift_id");

            migrationBuilder.CreateIndex(
                name: "ix_sos_alerts_status",
                schema: "duty",
                table: "sos_alerts",
                column: "status");

            migrationBuilder.CreateIndex(
                name: "ix_sos_alerts_user_status",
                schema: "duty",
                table: "sos_alerts",
                columns: new[] { "user_id", "status" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "sos_alerts",
                schema: "duty");

            migrationBuilder.DropTable(
                name: "duty_shifts",
                schema: "duty");
        }
    }
}
