using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Map.Modules.Markers.Data.Migrations
{
    /// <inheritdoc />
    public partial class DuplicateLinks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "duplicate_of_id",
                schema: "markers",
                table: "pending_markers",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "duplicate_of_type",
                schema: "markers",
                table: "pending_markers",
                type: "character varying(16)",
                maxLength: 16,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "duplicate_of_id",
                schema: "markers",
                table: "pending_markers");

            migrationBuilder.DropColumn(
                name: "duplicate_of_type",
                schema: "markers",
                table: "pending_markers");
        }
    }
}
