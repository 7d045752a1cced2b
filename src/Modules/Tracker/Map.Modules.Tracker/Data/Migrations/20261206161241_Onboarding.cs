using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Map.Modules.Tracker.Data.Migrations
{
    /// <inheritdoc />
    public partial class Onboarding : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "user_id",
                schema: "tracker",
                table: "tracker_pair_codes",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "service_access",
                schema: "tracker",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tg_user_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    requested_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    decided_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    decided_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    note = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_service_access", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "tracker_bootstrap_tokens",
                schema: "tracker",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    token_hash = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    pair_code_id = table.Column<int>(type: "integer", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    expires_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    used_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    revoked_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    tg_user_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    label = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    base_url = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_tracker_bootstrap_tokens", x => x.id);
                    table.ForeignKey(
                        name: "fk_tracker_bootstrap_tokens_tracker_pair_codes_pair_code_id",
                        column: x => x.pair_code_id,
                        principalSchema: "tracker",
                        principalTable: "tracker_pair_codes",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "tracker_connect_requests",
                schema: "tracker",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    tg_user_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    note = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    base_url = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    approved_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    denied_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    decided_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    last_token_id = table.Column<int>(type: "integer", nullable: true),
                    last_issued_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    last_sent_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    last_sent_via = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: true),
                    send_ok = table.Column<bool>(type: "boolean", nullable: true),
                    last_send_error = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: true),
                    issue_seq = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_tracker_connect_requests", x => x.id);
                    table.CheckConstraint("ck_tracker_connect_requests_status", "status IN ('pending', 'approved', 'denied')");
                });

            migrationBuilder.CreateIndex(
                name: "ix_service_access_status",
                schema: "tracker",
                table: "service_access",
                column: "status");

            migrationBuilder.CreateIndex(
                name: "ux_service_access_tg_user_id",
                schema: "tracker",
                table: "service_access",
                column: "tg_user_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_tracker_bootstrap_tokens_pair_code_id",
                schema: "tracker",
                table: "tracker_bootstrap_tokens",
                column: "pair_code_id");

            migrationBuilder.CreateIndex(
                name: "ix_tracker_bootstrap_tokens_tg_user_id",
                schema: "tracker",
                table: "tracker_bootstrap_tokens",
                column: "tg_user_id");

            migrationBuilder.CreateIndex(
                name: "ux_tracker_bootstrap_tokens_token_hash",
                schema: "tracker",
                table: "tracker_bootstrap_tokens",
                column: "token_hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_tracker_connect_requests_status",
                schema: "tracker",
                table: "tracker_connect_requests",
                column: "status");

            migrationBuilder.CreateIndex(
                name: "ux_tracker_connect_requests_tg_user_id",
                schema: "tracker",
                table: "tracker_connect_requests",
                column: "tg_user_id",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "service_access",
                schema: "tracker");

            migrationBuilder.DropTable(
                name: "tracker_bootstrap_tokens",
                schema: "tracker");

            migrationBuilder.DropTable(
                name: "tracker_connect_requests",
                schema: "tracker");

            migrationBuilder.DropColumn(
                name: "user_id",
                schema: "tracker",
                table: "tracker_pair_codes");
        }
    }
}
