using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Map.Modules.Chat.Data.Migrations
{
    /// <inheritdoc />
    public partial class Chat2ChannelListOrder : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_chat2_channels_last",
                schema: "chat",
                table: "chat2_channels");

            migrationBuilder.CreateIndex(
                name: "ix_chat2_channels_last",
                schema: "chat",
                table: "chat2_channels",
                columns: new[] { "last_message_at", "id" },
                descending: new[] { true, false })
                .Annotation("Npgsql:IndexNullSortOrder", new[] { NullSortOrder.NullsLast, NullSortOrder.NullsLast });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_chat2_channels_last",
                schema: "chat",
                table: "chat2_channels");

            migrationBuilder.CreateIndex(
                name: "ix_chat2_channels_last",
                schema: "chat",
                table: "chat2_channels",
                columns: new[] { "last_message_at", "id" });
        }
    }
}
