using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Map.Modules.Chat.Data.Migrations
{
    /// <inheritdoc />
    public partial class TelegramRepliesOnPlatformOutbox : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {

            migrationBuilder.CreateTable(
                name: "chat_telegram_replies",
                schema: "chat",
                columns: table => new
                {
                    message_id = table.Column<int>(type: "integer", nullable: false),
                    user_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    parts_delivered = table.Column<int>(type: "integer", nullable: false),
                    last_error = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    delivered_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_chat_telegram_replies", x => x.message_id);
                    table.CheckConstraint("ck_chat_telegram_replies_state", "state IN ('pending', 'offered', 'delivered')");
                    table.ForeignKey(
                        name: "fk_chat_telegram_replies_chat_messages_message_id",
                        column: x => x.message_id,
                        principalSchema: "chat",
                        principalTable: "chat_messages",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_chat_telegram_replies_user",
                schema: "chat",
                table: "chat_telegram_replies",
                columns: new[] { "user_id", "message_id" });

            // Replies the old delivery loop still owned have no platform outbox message: the bot's polling delivers them.
            migrationBuilder.Sql("""
                INSERT INTO chat.chat_telegram_replies (message_id, user_id, state, parts_delivered, last_error, created_at, delivered_at)
                SELECT message_id, user_id, CASE WHEN state = 'delivered' THEN 'delivered' ELSE 'offered' END,
                       parts_delivered, last_error, created_at, delivered_at
                FROM chat.chat_telegram_outbox
                """);

            migrationBuilder.DropTable(
                name: "chat_telegram_outbox",
                schema: "chat");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "chat_telegram_replies",
                schema: "chat");

            migrationBuilder.CreateTable(
                name: "chat_telegram_outbox",
                schema: "chat",
                columns: table => new
                {
                    message_id = table.Column<int>(type: "integer", nullable: false),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    delivered_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    last_error = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    next_attempt_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    parts_delivered = table.Column<int>(type: "integer", nullable: false),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    user_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_chat_telegram_outbox", x => x.message_id);
                    table.CheckConstraint("ck_chat_telegram_outbox_state", "state IN ('pending', 'delivered', 'handed_over')");
                    table.ForeignKey(
                        name: "fk_chat_telegram_outbox_chat_messages_message_id",
                        column: x => x.message_id,
                        principalSchema: "chat",
                        principalTable: "chat_messages",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_chat_telegram_outbox_due",
                schema: "chat",
                table: "chat_telegram_outbox",
                column: "next_attempt_at",
                filter: "state = 'pending'");

            migrationBuilder.CreateIndex(
                name: "ix_chat_telegram_outbox_user",
                schema: "chat",
                table: "chat_telegram_outbox",
                columns: new[] { "user_id", "message_id" });
        }
    }
}
