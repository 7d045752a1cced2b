using Map.Modules.Chat.Domain;
using Map.Modules.Chat.EventChat;
using Microsoft.EntityFrameworkCore.Design;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

namespace Map.Modules.Chat.Data;

internal sealed partial class ChatDbContext(DbContextOptions<ChatDbContext> options) : DbContext(options)
{
    public const string Schema = "chat";

    public DbSet<ChatDialog> Dialogs => Set<ChatDialog>();

    public DbSet<ChatMessage> Messages => Set<ChatMessage>();

    public DbSet<TelegramReply> TelegramReplies => Set<TelegramReply>();

    public DbSet<Channel2> Channels2 => Set<Channel2>();

    public DbSet<Channel2Member> Members2 => Set<Channel2Member>();

    public DbSet<Message2> Messages2 => Set<Message2>();

    public DbSet<Message2Receipt> Receipts2 => Set<Message2Receipt>();

    public DbSet<PushToken2> PushTokens2 => Set<PushToken2>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);

        modelBuilder.Entity<ChatDialog>(dialog =>
        {
            dialog.ToTable("chat_dialogs", t => t.HasCheckConstraint("ck_chat_dialogs_status", "status IN ('new', 'in_progress', 'closed')"));
            dialog.HasKey(d => d.UserId);
            dialog.Property(d => d.UserId).HasMaxLength(ChatDialog.UserIdMaxLength);
            dialog.Property(d => d.Status).HasMaxLength(16).HasDefaultValue(DialogStatus.New);
            dialog.Property(d => d.UnreadForAdmin).HasDefaultValue(0);
            dialog.Property(d => d.UnreadForUser).HasDefaultValue(0);
            dialog.Property(d => d.LastMessageAt).HasDefaultValueSql("now()");
            dialog.Property(d => d.TgUsername).HasMaxLength(ChatDialog.UsernameMaxLength);
            dialog.Property(d => d.TgFirstName).HasMaxLength(ChatDialog.NameMaxLength);
            dialog.Property(d => d.TgLastName).HasMaxLength(ChatDialog.NameMaxLength);
            dialog.Property(d => d.DisplayName).HasMaxLength(ChatDialog.DisplayNameMaxLength);
            dialog.Property(d => d.LastNotifiedAdminMsgId).HasDefaultValue(0);
            dialog.Property(d => d.LastSeenAdminMsgId).HasDefaultValue(0);
            dialog.Property(d => d.LastAdminMsgId).HasDefaultValue(0);
            dialog.Ignore(d => d.EffectiveDisplayName);
            dialog.Ignore(d => d.NeedsMarkRead);

            // Conversation list: newest first, user_id breaks ties so offset pages never overlap or come up short.
            dialog.HasIndex(d => new { d.LastMessageAt, d.UserId }, "ix_chat_dialogs_last").HasDatabaseName("ix_chat_dialogs_last");
            dialog.HasIndex(d => new { d.Status, d.LastMessageAt, d.UserId }, "ix_chat_dialogs_status_last").HasDatabaseName("ix_chat_dialogs_status_last");
            // Bot targets: only dialogs with undelivered admin replies are in this index.
            dialog.HasIndex(d => new { d.LastMessageAt, d.UserId }, "ix_chat_dialogs_notify_targets").HasDatabaseName("ix_chat_dialogs_notify_targets")
                .HasFilter("last_admin_msg_id > last_notified_admin_msg_id");
            // Notification badge: sums only dialogs with unread messages.
            dialog.HasIndex(d => d.UnreadForAdmin, "ix_chat_dialogs_unread_for_admin").HasDatabaseName("ix_chat_dialogs_unread_for_admin")
                .HasFilter("unread_for_admin > 0");
        });

        modelBuilder.Entity<ChatMessage>(message =>
        {
            message.ToTable("chat_messages", t => t.HasCheckConstraint("ck_chat_messages_sender", "sender IN ('user', 'admin')"));
            message.Property(m => m.UserId).HasMaxLength(ChatDialog.UserIdMaxLength);
            message.Property(m => m.Sender).HasMaxLength(16);
            message.Property(m => m.IsRead).HasDefaultValue(false);
            message.Property(m => m.CreatedAt).HasDefaultValueSql("now()");
            // History (tail, page, before_id) and each conversation's last message: (created_at, id) per user.
            message.HasIndex(m => new { m.UserId, m.CreatedAt, m.Id }, "ix_chat_messages_user_created").HasDatabaseName("ix_chat_messages_user_created");
            // Mark-read: the user's unread messages.
            message.HasIndex(m => new { m.UserId, m.Sender, m.IsRead, m.CreatedAt }, "ix_chat_messages_user_sender_isread").HasDatabaseName("ix_chat_messages_user_sender_isread");
            // Bot cursors: admin messages after an id.
            message.HasIndex(m => new { m.UserId, m.Sender, m.Id }, "ix_chat_messages_user_sender_id").HasDatabaseName("ix_chat_messages_user_sender_id");
        });

        modelBuilder.Entity<TelegramReply>(reply =>
        {
            reply.ToTable("chat_telegram_replies", t => t.HasCheckConstraint("ck_chat_telegram_replies_state", "state IN ('pending', 'offered', 'delivered')"));
            reply.HasKey(o => o.MessageId);
            reply.Property(o => o.MessageId).ValueGeneratedNever();
            reply.Property(o => o.UserId).HasMaxLength(ChatDialog.UserIdMaxLength);
            reply.Property(o => o.State).HasMaxLength(16);
            reply.Property(o => o.LastError).HasMaxLength(500);
            reply.HasOne<ChatMessage>().WithOne().HasForeignKey<TelegramReply>(o => o.MessageId).OnDelete(DeleteBehavior.Cascade);
            reply.HasIndex(o => new { o.UserId, o.MessageId }, "ix_chat_telegram_replies_user").HasDatabaseName("ix_chat_telegram_replies_user");
        });

        OnEventChatCreating(modelBuilder);
    }
}

internal sealed partial class ChatDbContext
{
    /// <summary>The event chat's tables (chat spec §2.3–2.6, decision 0110).</summary>
    private static void OnEventChatCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Channel2>(channel =>
        {
            channel.ToTable("chat2_channels", t =>
            {
                t.HasCheckConstraint("ck_chat2_channels_type", "type IN ('shift', 'incident', 'dm')");
                t.HasCheckConstraint("ck_chat2_channels_shift", "type <> 'shift' OR shift_id IS NOT NULL");
                t.HasCheckConstraint("ck_chat2_channels_incident", "type <> 'incident' OR marker_id IS NOT NULL");
            });
            channel.HasKey(c => c.Id);
            channel.Property(c => c.Id).HasMaxLength(Channel2.IdLength);
            channel.Property(c => c.Type).HasMaxLength(16);
            channel.Property(c => c.DmKey).HasMaxLength(200);
            channel.Property(c => c.LastSeq).HasDefaultValue(0L);
            // One channel per shift, per incident, per (admin, device) pair: concurrent ensure_* calls meet here.
            channel.HasIndex(c => c.ShiftId, "uq_chat2_channels_shift").HasDatabaseName("uq_chat2_channels_shift").IsUnique().HasFilter("type = 'shift'");
            channel.HasIndex(c => c.MarkerId, "uq_chat2_channels_incident").HasDatabaseName("uq_chat2_channels_incident").IsUnique().HasFilter("type = 'incident'");
            channel.HasIndex(c => c.DmKey, "uq_chat2_channels_dm").HasDatabaseName("uq_chat2_channels_dm").IsUnique().HasFilter("type = 'dm' AND dm_key IS NOT NULL");
            // /channels: newest activity first.
            // In the channel list's order (newest activity first, silent channels last), so a page is an index scan, not a
            // sort of every channel.
            channel.HasIndex(c => new { c.LastMessageAt, c.Id }, "ix_chat2_channels_last").HasDatabaseName("ix_chat2_channels_last")
                .IsDescending(true, false).HasNullSortOrder(NullSortOrder.NullsLast, NullSortOrder.NullsLast);
        });

        modelBuilder.Entity<Channel2Member>(member =>
        {
            member.ToTable("chat2_members", t => t.HasCheckConstraint("ck_chat2_members_type", "member_type IN ('admin', 'tracker')"));
            member.Property(m => m.ChannelId).HasMaxLength(Channel2.IdLength);
            member.Property(m => m.MemberType).HasMaxLength(16);
            member.Property(m => m.MemberId).HasMaxLength(Chat2Limits.MemberIdMaxLength);
            member.Property(m => m.LastReadMessageId).HasMaxLength(Channel2.IdLength);
            member.Property(m => m.LastReadSeq).HasDefaultValue(0L);
            member.HasOne<Channel2>().WithMany().HasForeignKey(m => m.ChannelId).OnDelete(DeleteBehavior.Cascade);
            member.HasIndex(m => new { m.ChannelId, m.MemberType, m.MemberId }, "uq_chat2_members_member").HasDatabaseName("uq_chat2_members_member").IsUnique();
            member.HasIndex(m => new { m.MemberType, m.MemberId }, "ix_chat2_members_member").HasDatabaseName("ix_chat2_members_member");
        });

        modelBuilder.Entity<Message2>(message =>
        {
            message.ToTable("chat2_messages", t =>
            {
                t.HasCheckConstraint("ck_chat2_messages_sender_type", "sender_type IN ('admin', 'tracker')");
                t.HasCheckConstraint("ck_chat2_messages_kind", "kind IN ('text', 'media', 'template')");
            });
            message.HasKey(m => m.Id);
            message.Property(m => m.Id).HasMaxLength(Channel2.IdLength);
            message.Property(m => m.ChannelId).HasMaxLength(Channel2.IdLength);
            message.Property(m => m.SenderType).HasMaxLength(16);
            message.Property(m => m.SenderId).HasMaxLength(Chat2Limits.MemberIdMaxLength);
            message.Property(m => m.ClientMsgId).HasMaxLength(Chat2Limits.ClientMsgIdMaxLength);
            message.Property(m => m.Kind).HasMaxLength(16).HasDefaultValue(MessageKinds.Text);
            message.Property(m => m.MediaKey).HasMaxLength(256);
            message.Property(m => m.ThumbKey).HasMaxLength(256);
            message.Property(m => m.Mime).HasMaxLength(64);
            message.Property(m => m.DeliveredCount).HasDefaultValue(0);
            message.Property(m => m.ReadCount).HasDefaultValue(0);
            message.Property(m => m.MetaJson).HasColumnType("jsonb");
            message.HasOne<Channel2>().WithMany().HasForeignKey(m => m.ChannelId).OnDelete(DeleteBehavior.Cascade);
            // The channel's order: sync and history page by seq, unread counts from a seq.
            message.HasIndex(m => new { m.ChannelId, m.Seq }, "uq_chat2_messages_channel_seq").HasDatabaseName("uq_chat2_messages_channel_seq").IsUnique();
            // Idempotent send: one message per (channel, sender, client_msg_id).
            message.HasIndex(m => new { m.ChannelId, m.SenderType, m.SenderId, m.ClientMsgId }, "uq_chat2_messages_client_msg")
                .HasDatabaseName("uq_chat2_messages_client_msg").IsUnique().HasFilter("client_msg_id IS NOT NULL");
            // Retention: oldest first.
            message.HasIndex(m => m.CreatedAt, "ix_chat2_messages_created").HasDatabaseName("ix_chat2_messages_created");
        });

        modelBuilder.Entity<Message2Receipt>(receipt =>
        {
            receipt.ToTable("chat2_receipts", t => t.HasCheckConstraint("ck_chat2_receipts_type", "type IN ('delivered', 'read')"));
            receipt.HasKey(r => new { r.MessageId, r.MemberType, r.MemberId, r.Type });
            receipt.Property(r => r.MessageId).HasMaxLength(Channel2.IdLength);
            receipt.Property(r => r.MemberType).HasMaxLength(16);
            receipt.Property(r => r.MemberId).HasMaxLength(Chat2Limits.MemberIdMaxLength);
            receipt.Property(r => r.Type).HasMaxLength(16);
            receipt.HasOne<Message2>().WithMany().HasForeignKey(r => r.MessageId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<PushToken2>(token =>
        {
            token.ToTable("chat2_push_tokens");
            token.Property(t => t.MemberType).HasMaxLength(16);
            token.Property(t => t.MemberId).HasMaxLength(Chat2Limits.MemberIdMaxLength);
            token.Property(t => t.Token).HasMaxLength(256);
            token.HasIndex(t => t.Token, "uq_chat2_push_tokens_token").HasDatabaseName("uq_chat2_push_tokens_token").IsUnique();
            token.HasIndex(t => new { t.MemberType, t.MemberId }, "ix_chat2_push_tokens_member").HasDatabaseName("ix_chat2_push_tokens_member");
        });
    }
}

internal sealed class ChatDbContextDesignTimeFactory : IDesignTimeDbContextFactory<ChatDbContext>
{
    public ChatDbContext CreateDbContext(string[] args) => new(ModuleDatabaseExtensions.DesignTimeOptions<ChatDbContext>(ChatDbContext.Schema));
}
