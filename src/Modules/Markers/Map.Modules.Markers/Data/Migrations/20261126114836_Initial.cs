using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Map.Modules.Markers.Data.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "markers");

            migrationBuilder.CreateTable(
                name: "geocode_cache",
                schema: "markers",
                columns: table => new
                {
                    key = table.Column<string>(type: "character varying(600)", maxLength: 600, nullable: false),
                    hits = table.Column<string>(type: "jsonb", nullable: false),
                    expires_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_geocode_cache", x => x.key);
                });

            migrationBuilder.CreateTable(
                name: "geocode_throttle",
                schema: "markers",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false),
                    next_slot = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_geocode_throttle", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "zone",
                schema: "markers",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    description = table.Column<string>(type: "text", nullable: true),
                    color = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    icon = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    geometry = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_zone", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "addresses",
                schema: "markers",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    name_key = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    lat = table.Column<double>(type: "double precision", nullable: true),
                    lon = table.Column<double>(type: "double precision", nullable: true),
                    notes = table.Column<string>(type: "character varying(10000)", maxLength: 10000, nullable: true),
                    status = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    link = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: true),
                    category = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    zone_id = table.Column<int>(type: "integer", nullable: true),
                    photo = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    ai_tags = table.Column<string>(type: "jsonb", nullable: true),
                    priority = table.Column<int>(type: "integer", nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_addresses", x => x.id);
                    table.CheckConstraint("ck_addresses_coordinates", "(lat IS NULL OR lat BETWEEN -90 AND 90) AND (lon IS NULL OR lon BETWEEN -180 AND 180)");
                    table.ForeignKey(
                        name: "fk_addresses_zone_zone_id",
                        column: x => x.zone_id,
                        principalSchema: "markers",
                        principalTable: "zone",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateTable(
                name: "pending_markers",
                schema: "markers",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    name_key = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    lat = table.Column<double>(type: "double precision", nullable: true),
                    lon = table.Column<double>(type: "double precision", nullable: true),
                    notes = table.Column<string>(type: "character varying(10000)", maxLength: 10000, nullable: true),
                    status = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    link = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: true),
                    category = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    zone_id = table.Column<int>(type: "integer", nullable: true),
                    photo = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    ai_tags = table.Column<string>(type: "jsonb", nullable: true),
                    priority = table.Column<int>(type: "integer", nullable: true),
                    user_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    message_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    reporter = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    address_id = table.Column<int>(type: "integer", nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_pending_markers", x => x.id);
                    table.CheckConstraint("ck_pending_markers_coordinates", "(lat IS NULL OR lat BETWEEN -90 AND 90) AND (lon IS NULL OR lon BETWEEN -180 AND 180)");
                    table.CheckConstraint("ck_pending_markers_state", "state IN ('pending', 'approved', 'rejected', 'cancelled')");
                    table.ForeignKey(
                        name: "fk_pending_markers_zone_zone_id",
                        column: x => x.zone_id,
                        principalSchema: "markers",
                        principalTable: "zone",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateTable(
                name: "pending_history",
                schema: "markers",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    pending_id = table.Column<int>(type: "integer", nullable: false),
                    status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    timestamp = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    address_id = table.Column<int>(type: "integer", nullable: true),
                    actor = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    reason = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_pending_history", x => x.id);
                    table.ForeignKey(
                        name: "fk_pending_history_pending_markers_pending_id",
                        column: x => x.pending_id,
                        principalSchema: "markers",
                        principalTable: "pending_markers",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.InsertData(
                schema: "markers",
                table: "geocode_throttle",
                columns: new[] { "id", "next_slot" },
                values: new object[] { 1, new DateTime(1970, 1, 1, 0, 0, 0, 0, DateTimeKind.Utc) });

            migrationBuilder.CreateIndex(
                name: "ix_addresses_category_status",
                schema: "markers",
                table: "addresses",
                columns: new[] { "category", "status" });

            migrationBuilder.CreateIndex(
                name: "ix_addresses_created_at_id",
                schema: "markers",
                table: "addresses",
                columns: new[] { "created_at", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_addresses_name_key",
                schema: "markers",
                table: "addresses",
                column: "name_key");

            migrationBuilder.CreateIndex(
                name: "ix_addresses_zone_id",
                schema: "markers",
                table: "addresses",
                column: "zone_id");

            migrationBuilder.CreateIndex(
                name: "ix_geocode_cache_expires_at",
                schema: "markers",
                table: "geocode_cache",
                column: "expires_at");

            migrationBuilder.CreateIndex(
                name: "ix_pending_history_pending_id",
                schema: "markers",
                table: "pending_history",
                column: "pending_id");

            migrationBuilder.CreateIndex(
                name: "ix_pending_history_status",
                schema: "markers",
                table: "pending_history",
                column: "status");

            migrationBuilder.CreateIndex(
                name: "ix_pending_history_timestamp",
                schema: "markers",
                table: "pending_history",
                column: "timestamp");

            migrationBuilder.CreateIndex(
                name: "ix_pending_markers_name_key_pending",
                schema: "markers",
                table: "pending_markers",
                column: "name_key",
                filter: "state = 'pending'");

            migrationBuilder.CreateIndex(
                name: "ix_pending_markers_state_created_at_id",
                schema: "markers",
                table: "pending_markers",
                columns: new[] { "state", "created_at", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_pending_markers_user_id_id",
                schema: "markers",
                table: "pending_markers",
                columns: new[] { "user_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_pending_markers_zone_id",
                schema: "markers",
                table: "pending_markers",
                column: "zone_id");

            migrationBuilder.CreateIndex(
                name: "ux_pending_markers_user_message",
                schema: "markers",
                table: "pending_markers",
                columns: new[] { "user_id", "message_id" },
                unique: true,
                filter: "user_id IS NOT NULL AND message_id IS NOT NULL");

            // Duplicate detection looks for points within 100 m through a bounding box. PostGIS is not available in
            // production, so the spatial index is core PostgreSQL's GiST over point(lon, lat) (queries must use the
            // same expression).
            migrationBuilder.Sql(
                "CREATE INDEX ix_addresses_location ON markers.addresses USING gist (point(lon, lat)) " +
                "WHERE lat IS NOT NULL AND lon IS NOT NULL;");
            migrationBuilder.Sql(
                "CREATE INDEX ix_pending_markers_location_pending ON markers.pending_markers USING gist (point(lon, lat)) " +
                "WHERE state = 'pending' AND lat IS NOT NULL AND lon IS NOT NULL;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP INDEX IF EXISTS markers.ix_pending_markers_location_pending;");
            migrationBuilder.Sql("DROP INDEX IF EXISTS markers.ix_addresses_location;");

            migrationBuilder.DropTable(
                name: "addresses",
                schema: "markers");

            migrationBuilder.DropTable(
                name: "geocode_cache",
                schema: "markers");

            migrationBuilder.DropTable(
                name: "geocode_throttle",
                schema: "markers");

            migrationBuilder.DropTable(
                name: "pending_history",
                schema: "markers");

            migrationBuilder.DropTable(
                name: "pending_markers",
                schema: "markers");

            migrationBuilder.DropTable(
                name: "zone",
                schema: "markers");
        }
    }
}
