using Map.Modules.Chat.Domain;
using Map.SharedKernel;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Map.Modules.Chat.Data;

internal sealed class ChatDbContext(DbContextOptions<ChatDbContext> options) : DbContext(options)
{
    public const string Schema = "chat";

    public DbSet<ChatDialog> Dialogs => Set<ChatDialog>();

    public DbSet<ChatMessage> Messages => Set<ChatMessage>();

    public DbSet<TelegramReply> TelegramReplies => Set<TelegramReply>();

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
    }
}

internal sealed class ChatDbContextDesignTimeFactory : IDesignTimeDbContextFactory<ChatDbContext>
{
    public ChatDbContext CreateDbContext(string[] args) => new(ModuleDatabaseExtensions.DesignTimeOptions<ChatDbContext>(ChatDbContext.Schema));
}
