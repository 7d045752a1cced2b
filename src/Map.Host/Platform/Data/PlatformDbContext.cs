using Map.Host.Platform.Outbox;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Map.Host.Platform.Data;

/// <summary>
/// The platform's own tables (schema <c>platform</c>): data-protection keys shared by every instance, and the
/// transactional outbox.
/// </summary>
internal sealed class PlatformDbContext(DbContextOptions<PlatformDbContext> options) : DbContext(options), IDataProtectionKeyContext
{
    public const string Schema = "platform";

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<OutboxRow> Outbox => Set<OutboxRow>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);
        modelBuilder.Entity<DataProtectionKey>().ToTable("data_protection_keys");
        modelBuilder.Entity<OutboxRow>(outbox =>
        {
            outbox.ToTable("outbox_messages", t => t.HasCheckConstraint("ck_outbox_messages_state", "state IN ('pending', 'delivered', 'skipped', 'dead')"));
            outbox.Property(o => o.Type).HasMaxLength(OutboxMessage.TypeMaxLength);
            outbox.Property(o => o.Key).HasMaxLength(OutboxMessage.KeyMaxLength);
            outbox.Property(o => o.Payload).HasColumnType("jsonb");
            outbox.Property(o => o.State).HasMaxLength(16);
            outbox.Property(o => o.LastError).HasMaxLength(500);
            // The dispatcher's head of a key, and the sweep's due keys: only pending rows are indexed.
            outbox.HasIndex(o => new { o.Key, o.Id }, "ix_outbox_messages_pending_key").HasDatabaseName("ix_outbox_messages_pending_key")
                .HasFilter("state = 'pending'");
            outbox.HasIndex(o => o.NextAttemptAt, "ix_outbox_messages_pending_due").HasDatabaseName("ix_outbox_messages_pending_due")
                .HasFilter("state = 'pending'");
        });
    }
}

internal sealed class PlatformDbContextDesignTimeFactory : IDesignTimeDbContextFactory<PlatformDbContext>
{
    public PlatformDbContext CreateDbContext(string[] args) =>
        new(ModuleDatabaseExtensions.DesignTimeOptions<PlatformDbContext>(PlatformDbContext.Schema));
}
