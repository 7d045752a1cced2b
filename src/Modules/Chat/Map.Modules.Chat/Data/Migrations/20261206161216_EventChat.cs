using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Map.Modules.Chat.Data.Migrations
{
    /// <inheritdoc />
    public partial class EventChat : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "chat2_channels",
                schema: "chat",
                columns: table => new
                {
                    id = table.Column<string>(type: "character varying(36)", maxLength: 36, nullable: false),
                    type = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    shift_id = table.Column<int>(type: "integer", nullable: true),
                    marker_id = table.Column<int>(type: "integer", nullable: true),
                    dm_key = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    last_message_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    last_seq = table.Column<long>(type: "bigint", nullable: false, defaultValue: 0L)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_chat2_channels", x => x.id);
                    table.CheckConstraint("ck_chat2_channels_incident", "type <> 'incident' OR marker_id IS NOT NULL");
                    table.CheckConstraint("ck_chat2_channels_shift", "type <> 'shift' OR shift_id IS NOT NULL");
                    table.CheckConstraint("ck_chat2_channels_type", "type IN ('shift', 'incident', 'dm')");
                });

            migrationBuilder.CreateTable(
                name: "chat2_push_tokens",
                schema: "chat",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    member_type = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    member_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    token = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_chat2_push_tokens", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "chat2_members",
                schema: "chat",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    channel_id = table.Column<string>(type: "character varying(36)", maxLength: 36, nullable: false),
                    member_type = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    member_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    last_read_message_id = table.Column<string>(type: "character varying(36)", maxLength: 36, nullable: true),
                    last_read_seq = table.Column<long>(type: "bigint", nullable: false, defaultValue: 0L),
                    last_read_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_chat2_members", x => x.id);
                    table.CheckConstraint("ck_chat2_members_type", "member_type IN ('admin', 'tracker')");
                    table.ForeignKey(
                        name: "fk_chat2_members_chat2_channels_channel_id",
                        column: x => x.channel_id,
                        principalSchema: "chat",
                        principalTable: "chat2_channels",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "chat2_messages",
                schema: "chat",
                columns: table => new
                {
                    id = table.Column<string>(type: "character varying(36)", maxLength: 36, nullable: false),
                    channel_id = table.Column<string>(type: "character varying(36)", maxLength: 36, nullable: false),
                    seq = table.Column<long>(type: "bigint", nullable: false),
                    sender_type = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    sender_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    client_msg_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    text = table.Column<string>(type: "text", nullable: true),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false, defaultValue: "text"),
                    media_key = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    thumb_key = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    mime = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    size = table.Column<int>(type: "integer", nullable: true),
                    delivered_count = table.Column<int>(type: "integer", nullable: false, defaultValue: 0),
                    read_count = table.Column<int>(type: "integer", nullable: false, defaultValue: 0),
                    meta_json = table.Column<string>(type: "jsonb", nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    edited_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    deleted_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_chat2_messages", x => x.id);
                    table.CheckConstraint("ck_chat2_messages_kind", "kind IN ('text', 'media', 'template')");
                    table.CheckConstraint("ck_chat2_messages_sender_type", "sender_type IN ('admin', 'tracker')");
                    table.ForeignKey(
                        name: "fk_chat2_messages_chat2_channels_channel_id",
                        column: x => x.channel_id,
                        principalSchema: "chat",
                        principalTable: "chat2_channels",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "chat2_receipts",
                schema: "chat",
                columns: table => new
                {
                    message_id = table.Column<string>(type: "character varying(36)", maxLength: 36, nullable: false),
                    member_type = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    member_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    type = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_chat2_receipts", x => new { x.message_id, x.member_type, x.member_id, x.type });
                    table.CheckConstraint("ck_chat2_receipts_type", "type IN ('delivered', 'read')");
                    table.ForeignKey(
                        name: "fk_chat2_receipts_chat2_messages_message_id",
                        column: x => x.message_id,
                        principalSchema: "chat",
                        principalTable: "chat2_messages",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_chat2_channels_last",
                schema: "chat",
                table: "chat2_channels",
                columns: new[] { "last_message_at", "id" });

            migrationBuilder.CreateIndex(
                name: "uq_chat2_channels_dm",
                schema: "chat",
                table: "chat2_channels",
                column: "dm_key",
                unique: true,
                filter: "type = 'dm' AND dm_key IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "uq_chat2_channels_incident",
                schema: "chat",
                table: "chat2_channels",
                column: "marker_id",
                unique: true,
                filter: "type = 'incident'");

            migrationBuilder.CreateIndex(
                name: "uq_chat2_channels_shift",
                schema: "chat",
                table: "chat2_channels",
                column: "shift_id",
                unique: true,
                filter: "type = 'shift'");

            migrationBuilder.CreateIndex(
                name: "ix_chat2_members_member",
                schema: "chat",
                table: "chat2_members",
                columns: new[] { "member_type", "member_id" });

            migrationBuilder.CreateIndex(
                name: "uq_chat2_members_member",
                schema: "chat",
                table: "chat2_members",
                columns: new[] { "channel_id", "member_type", "member_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_chat2_messages_created",
                schema: "chat",
                table: "chat2_messages",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "uq_chat2_messages_channel_seq",
                schema: "chat",
                table: "chat2_messages",
                columns: new[] { "channel_id", "seq" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "uq_chat2_messages_client_msg",
                schema: "chat",
                table: "chat2_messages",
                columns: new[] { "channel_id", "sender_type", "sender_id", "client_msg_id" },
                unique: true,
                filter: "client_msg_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_chat2_push_tokens_member",
                schema: "chat",
                table: "chat2_push_tokens",
                columns: new[] { "member_type", "member_id" });

            migrationBuilder.CreateIndex(
                name: "uq_chat2_push_tokens_token",
                schema: "chat",
                table: "chat2_push_tokens",
                column: "token",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "chat2_members",
                schema: "chat");

            migrationBuilder.DropTable(
                name: "chat2_push_tokens",
                schema: "chat");

            migrationBuilder.DropTable(
                name: "chat2_receipts",
                schema: "chat");

            migrationBuilder.DropTable(
                name: "chat2_messages",
                schema: "chat");

            migrationBuilder.DropTable(
                name: "chat2_channels",
                schema: "chat");
        }
    }
}
