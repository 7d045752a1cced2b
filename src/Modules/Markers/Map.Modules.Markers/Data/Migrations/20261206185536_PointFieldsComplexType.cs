using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Map.Modules.Markers.Data.Migrations
{
    /// <inheritdoc />
    public partial class PointFieldsComplexType : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The point fields became a complex type with the same columns. EF cannot declare indexes over a complex
            // type's properties (efcore#31246), so the model no longer lists ix_addresses_category_status,
            // ix_addresses_name_key and ix_pending_markers_name_key_pending; they stay in the database as the earlier
            // migrations made them (PointFieldIndexes names them, and a test checks they exist).
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
        }
    }
}
