using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Map.Modules.Chat.Data.Migrations
{
    /// <inheritdoc />
    public partial class InitialChat : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "chat");

            migrationBuilder.CreateTable(
                name: "chat_dialogs",
                schema: "chat",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false, defaultValue: "new"),
                    unread_for_admin = table.Column<int>(type: "integer", nullable: false, defaultValue: 0),
                    unread_for_user = table.Column<int>(type: "integer", nullable: false, defaultValue: 0),
                    last_message_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()"),
                    tg_username = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    tg_first_name = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    tg_last_name = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    display_name = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    last_notified_admin_msg_id = table.Column<int>(type: "integer", nullable: false, defaultValue: 0),
                    last_seen_admin_msg_id = table.Column<int>(type: "integer", nullable: false, defaultValue: 0),
                    last_admin_msg_id = table.Column<int>(type: "integer", nullable: false, defaultValue: 0)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_chat_dialogs", x => x.user_id);
                    table.CheckConstraint("ck_chat_dialogs_status", "status IN ('new', 'in_progress', 'closed')");
                });

            migrationBuilder.CreateTable(
                name: "chat_messages",
                schema: "chat",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    user_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    sender = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    text = table.Column<string>(type: "text", nullable: false),
                    is_read = table.Column<bool>(type: "boolean", nullable: false, defaultValue: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false, defaultValueSql: "now()")
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_chat_messages", x => x.id);
                    table.CheckConstraint("ck_chat_messages_sender", "sender IN ('user', 'admin')");
                });

            migrationBuilder.CreateTable(
                name: "chat_telegram_outbox",
                schema: "chat",
                columns: table => new
                {
                    message_id = table.Column<int>(type: "integer", nullable: false),
                    user_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    next_attempt_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    parts_delivered = table.Column<int>(type: "integer", nullable: false),
                    last_error = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    delivered_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
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
                name: "ix_chat_dialogs_last",
                schema: "chat",
                table: "chat_dialogs",
                columns: new[] { "last_message_at", "user_id" });

            migrationBuilder.CreateIndex(
                name: "ix_chat_dialogs_notify_targets",
                schema: "chat",
                table: "chat_dialogs",
                columns: new[] { "last_message_at", "user_id" },
                filter: "last_admin_msg_id > last_notified_admin_msg_id");

            migrationBuilder.CreateIndex(
                name: "ix_chat_dialogs_status_last",
                schema: "chat",
                table: "chat_dialogs",
                columns: new[] { "status", "last_message_at", "user_id" });

            migrationBuilder.CreateIndex(
                name: "ix_chat_dialogs_unread_for_admin",
                schema: "chat",
                table: "chat_dialogs",
                column: "unread_for_admin",
                filter: "unread_for_admin > 0");

            migrationBuilder.CreateIndex(
                name: "ix_chat_messages_user_created",
                schema: "chat",
                table: "chat_messages",
                columns: new[] { "user_id", "created_at", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_chat_messages_user_sender_id",
                schema: "chat",
                table: "chat_messages",
                columns: new[] { "user_id", "sender", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_chat_messages_user_sender_isread",
                schema: "chat",
                table: "chat_messages",
                columns: new[] { "user_id", "sender", "is_read", "created_at" });

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

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "chat_dialogs",
                schema: "chat");

            migrationBuilder.DropTable(
                name: "chat_telegram_outbox",
                schema: "chat");

            migrationBuilder.DropTable(
                name: "chat_messages",
                schema: "chat");
        }
    }
}
