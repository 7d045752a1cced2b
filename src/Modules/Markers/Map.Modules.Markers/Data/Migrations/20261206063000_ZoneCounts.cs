using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Map.Modules.Markers.Data.Migrations
{
    /// <summary>
    /// Exact totals that do not grow with the data (decision 0092): <c>zone_counts</c> holds, per kind (<c>pending</c>:
    /// requests still pending; <c>addresses</c>: every address) and zone (0 = no zone), the number of rows, kept in the
    /// writing transaction by statement-level triggers with transition tables (like <c>address_map_cells</c>, decision
    /// 0040), so an import of many rows costs one aggregate per statement. A scoped count sums at most one row per zone.
    /// The table is not part of the EF model: only the count queries read it, with SQL.
    /// </summary>
    [DbContext(typeof(MarkersDbContext))]
    [Migration("20261206063000_ZoneCounts")]
    public partial class ZoneCounts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TABLE markers.zone_counts (
                    kind text NOT NULL,
                    zone_id integer NOT NULL,
                    count bigint NOT NULL,
                    CONSTRAINT pk_zone_counts PRIMARY KEY (kind, zone_id));

                CREATE FUNCTION markers.zone_counts_pending_apply() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP IN ('UPDATE', 'DELETE') THEN
                        INSERT INTO markers.zone_counts AS c (kind, zone_id, count)
                        SELECT 'pending', coalesce(o.zone_id, 0), -count(*) FROM old_rows o WHERE o.state = 'pending'
                        GROUP BY 2 ORDER BY 2
                        ON CONFLICT (kind, zone_id) DO UPDATE SET count = c.count + excluded.count;
                    END IF;
                    IF TG_OP IN ('INSERT', 'UPDATE') THEN
                        INSERT INTO markers.zone_counts AS c (kind, zone_id, count)
                        SELECT 'pending', coalesce(n.zone_id, 0), count(*) FROM new_rows n WHERE n.state = 'pending'
                        GROUP BY 2 ORDER BY 2
                        ON CONFLICT (kind, zone_id) DO UPDATE SET count = c.count + excluded.count;
                    END IF;
                    RETURN NULL;
                END $$;

                CREATE FUNCTION markers.zone_counts_addresses_apply() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP IN ('UPDATE', 'DELETE') THEN
                        INSERT INTO markers.zone_counts AS c (kind, zone_id, count)
                        SELECT 'addresses', coalesce(o.zone_id, 0), -count(*) FROM old_rows o
                        GROUP BY 2 ORDER BY 2
                        ON CONFLICT (kind, zone_id) DO UPDATE SET count = c.count + excluded.count;
                    END IF;
                    IF TG_OP IN ('INSERT', 'UPDATE') THEN
                        INSERT INTO markers.zone_counts AS c (kind, zone_id, count)
                        SELECT 'addresses', coalesce(n.zone_id, 0), count(*) FROM new_rows n
                        GROUP BY 2 ORDER BY 2
                        ON CONFLICT (kind, zone_id) DO UPDATE SET count = c.count + excluded.count;
                    END IF;
                    RETURN NULL;
                END $$;

                CREATE FUNCTION markers.zone_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    DELETE FROM markers.zone_counts WHERE kind = TG_ARGV[0];
                    RETURN NULL;
                END $$;

                LOCK TABLE markers.pending_markers, markers.addresses IN SHARE ROW EXCLUSIVE MODE;

                INSERT INTO markers.zone_counts (kind, zone_id, count)
                SELECT 'pending', coalesce(zone_id, 0), count(*) FROM markers.pending_markers WHERE state = 'pending' GROUP BY 2;
                INSERT INTO markers.zone_counts (kind, zone_id, count)
                SELECT 'addresses', coalesce(zone_id, 0), count(*) FROM markers.addresses GROUP BY 2;

                CREATE TRIGGER zone_counts_insert AFTER INSERT ON markers.pending_markers
                    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION markers.zone_counts_pending_apply();
                CREATE TRIGGER zone_counts_update AFTER UPDATE ON markers.pending_markers
                    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION markers.zone_counts_pending_apply();
                CREATE TRIGGER zone_counts_delete AFTER DELETE ON markers.pending_markers
                    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION markers.zone_counts_pending_apply();
                CREATE TRIGGER zone_counts_truncate AFTER TRUNCATE ON markers.pending_markers
                    FOR EACH STATEMENT EXECUTE FUNCTION markers.zone_counts_truncate('pending');

                CREATE TRIGGER zone_counts_insert AFTER INSERT ON markers.addresses
                    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION markers.zone_counts_addresses_apply();
                CREATE TRIGGER zone_counts_update AFTER UPDATE ON markers.addresses
                    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION markers.zone_counts_addresses_apply();
                CREATE TRIGGER zone_counts_delete AFTER DELETE ON markers.addresses
                    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION markers.zone_counts_addresses_apply();
                CREATE TRIGGER zone_counts_truncate AFTER TRUNCATE ON markers.addresses
                    FOR EACH STATEMENT EXECUTE FUNCTION markers.zone_counts_truncate('addresses');
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS zone_counts_insert ON markers.pending_markers;
                DROP TRIGGER IF EXISTS zone_counts_update ON markers.pending_markers;
                DROP TRIGGER IF EXISTS zone_counts_delete ON markers.pending_markers;
                DROP TRIGGER IF EXISTS zone_counts_truncate ON markers.pending_markers;
                DROP TRIGGER IF EXISTS zone_counts_insert ON markers.addresses;
                DROP TRIGGER IF EXISTS zone_counts_update ON markers.addresses;
                DROP TRIGGER IF EXISTS zone_counts_delete ON markers.addresses;
                DROP TRIGGER IF EXISTS zone_counts_truncate ON markers.addresses;
                DROP FUNCTION IF EXISTS markers.zone_counts_pending_apply();
                DROP FUNCTION IF EXISTS markers.zone_counts_addresses_apply();
                DROP FUNCTION IF EXISTS markers.zone_counts_truncate();
                DROP TABLE IF EXISTS markers.zone_counts;
                """);
        }
    }
}
