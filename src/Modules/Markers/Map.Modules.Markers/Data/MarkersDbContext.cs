using Map.Modules.Markers.Domain;
using Microsoft.EntityFrameworkCore.Design;

namespace Map.Modules.Markers.Data;

internal sealed class MarkersDbContext(DbContextOptions<MarkersDbContext> options) : DbContext(options)
{
    public const string Schema = "markers";

    public DbSet<Address> Addresses => Set<Address>();

    public DbSet<PendingMarker> PendingMarkers => Set<PendingMarker>();

    public DbSet<PendingHistoryEntry> PendingHistory => Set<PendingHistoryEntry>();

    public DbSet<Zone> Zones => Set<Zone>();

    public DbSet<GeocodeCacheEntry> GeocodeCache => Set<GeocodeCacheEntry>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasDefaultSchema(Schema);

        modelBuilder.Entity<Zone>(zone =>
        {
            zone.ToTable("zone");
            zone.Property(z => z.Color).HasMaxLength(Zone.ColorMax);
            zone.Property(z => z.Icon).HasMaxLength(Zone.IconMax);
        });

        modelBuilder.Entity<Address>(address =>
        {
            address.ToTable("addresses", t => t.HasCheckConstraint(
                "ck_addresses_coordinates", "(lat IS NULL OR lat BETWEEN -90 AND 90) AND (lon IS NULL OR lon BETWEEN -180 AND 180)"));
            ConfigurePoint(address, a => a.Fields);
            address.HasIndex(a => new { a.CreatedAt, a.Id });
            address.HasIndex(a => a.ZoneId);
        });

        modelBuilder.Entity<PendingMarker>(marker =>
        {
            marker.ToTable("pending_markers", t =>
            {
                t.HasCheckConstraint("ck_pending_markers_state", "state IN ('pending', 'approved', 'rejected', 'cancelled')");
                t.HasCheckConstraint(
                    "ck_pending_markers_coordinates", "(lat IS NULL OR lat BETWEEN -90 AND 90) AND (lon IS NULL OR lon BETWEEN -180 AND 180)");
            });
            ConfigurePoint(marker, m => m.Fields);
            marker.Property(m => m.UserId).HasMaxLength(MarkerText.TelegramIdMax);
            marker.Property(m => m.MessageId).HasMaxLength(MarkerText.TelegramIdMax);
            marker.Property(m => m.Reporter).HasMaxLength(MarkerText.ReporterMax);
            marker.Ignore(m => m.DuplicateOf);
            marker.Property(m => m.DuplicateOfType).HasMaxLength(DuplicateLink.TypeMax);
            marker.Property(m => m.State).HasMaxLength(16).HasConversion(s => s.ToWire(), s => MarkerStates.Parse(s));
            marker.HasMany(m => m.History).WithOne().HasForeignKey(h => h.PendingId).OnDelete(DeleteBehavior.Restrict);
            // Idempotency of bot retries: one request per Telegram message, whatever its state.
            marker.HasIndex(m => new { m.UserId, m.MessageId })
                .IsUnique()
                .HasFilter("user_id IS NOT NULL AND message_id IS NOT NULL")
                .HasDatabaseName("ux_pending_markers_user_message");
            marker.HasIndex(m => new { m.State, m.CreatedAt, m.Id });
            marker.HasIndex(m => new { m.UserId, m.Id });
            marker.HasIndex(m => m.ZoneId);
        });

        modelBuilder.Entity<PendingHistoryEntry>(history =>
        {
            history.ToTable("pending_history");
            history.Property(h => h.Status).HasMaxLength(32).HasConversion(s => s.ToWire(), s => MarkerStates.Parse(s));
            history.Property(h => h.Actor).HasMaxLength(PendingHistoryEntry.ActorMax);
            history.Property(h => h.Reason).HasMaxLength(PendingHistoryEntry.ReasonMax);
            history.HasIndex(h => h.PendingId);
            history.HasIndex(h => h.Timestamp);
            history.HasIndex(h => h.Status);
        });

        modelBuilder.Entity<GeocodeCacheEntry>(cache =>
        {
            cache.ToTable("geocode_cache");
            cache.HasKey(c => c.Key);
            cache.Property(c => c.Key).HasMaxLength(600);
            cache.Property(c => c.Hits).HasColumnType("jsonb");
            cache.HasIndex(c => c.ExpiresAt);
        });

        modelBuilder.Entity<GeocodeThrottle>(throttle =>
        {
            throttle.ToTable("geocode_throttle");
            throttle.Property(t => t.Id).ValueGeneratedNever();
            throttle.HasData(new GeocodeThrottle { Id = GeocodeThrottle.SingletonId, NextSlot = DateTime.UnixEpoch });
        });
    }

    /// <summary>
    /// The point fields as a complex type with the columns' own names. EF cannot index a complex type's properties
    /// (efcore#31246), so the indexes over them live in the migrations only: see <see cref="PointFieldIndexes"/>.
    /// </summary>
    private static void ConfigurePoint<T>(Microsoft.EntityFrameworkCore.Metadata.Builders.EntityTypeBuilder<T> point, System.Linq.Expressions.Expression<Func<T, PointFields?>> fields)
        where T : class
    {
        point.ComplexProperty(fields, f =>
        {
            f.Property(p => p.Name).HasColumnName("name").HasMaxLength(MarkerText.NameMax);
            f.Property(p => p.NameKey).HasColumnName("name_key").HasMaxLength(MarkerText.NameMax);
            f.Property(p => p.Lat).HasColumnName("lat");
            f.Property(p => p.Lon).HasColumnName("lon");
            f.Property(p => p.Notes).HasColumnName("notes").HasMaxLength(MarkerText.NotesMax);
            f.Property(p => p.Status).HasColumnName("status").HasMaxLength(MarkerText.StatusMax);
            f.Property(p => p.Link).HasColumnName("link").HasMaxLength(MarkerText.LinkMax);
            f.Property(p => p.Category).HasColumnName("category").HasMaxLength(MarkerText.CategoryMax);
            f.Property(p => p.Photo).HasColumnName("photo").HasMaxLength(MarkerText.PhotoMax);
            f.Property(p => p.AiTags).HasColumnName("ai_tags").HasColumnType("jsonb");
            f.Property(p => p.Priority).HasColumnName("priority");
        });
        point.HasOne<Zone>().WithMany().HasForeignKey("ZoneId").OnDelete(DeleteBehavior.SetNull);
    }
}

/// <summary>The indexes over point fields, created by the migrations (the model cannot declare them, see ConfigurePoint).</summary>
internal static class PointFieldIndexes
{
    public static readonly string[] Names = ["ix_addresses_category_status", "ix_addresses_name_key", "ix_pending_markers_name_key_pending"];

}

/// <summary>A cached answer of the online geocoder, shared by every instance.</summary>
internal sealed class GeocodeCacheEntry
{
    public required string Key { get; set; }

    /// <summary>JSON array of <c>{display_name, lat, lon}</c>.</summary>
    public required string Hits { get; set; }

    public DateTime ExpiresAt { get; set; }
}

/// <summary>The one row that spaces online geocoder calls across every instance (next free call slot).</summary>
internal sealed class GeocodeThrottle
{
    public const int SingletonId = 1;

    public int Id { get; set; }

    public DateTime NextSlot { get; set; }
}

internal sealed class MarkersDbContextDesignTimeFactory : IDesignTimeDbContextFactory<MarkersDbContext>
{
    public MarkersDbContext CreateDbContext(string[] args) =>
        new(ModuleDatabaseExtensions.DesignTimeOptions<MarkersDbContext>(MarkersDbContext.Schema));
}
