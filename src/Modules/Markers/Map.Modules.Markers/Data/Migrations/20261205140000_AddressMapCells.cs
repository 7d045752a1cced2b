using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Map.Modules.Markers.Data.Migrations
{
    /// <summary>
    /// The map's viewport reads (<c>GET /api/addresses/map</c>): per-cell counts of addresses for zoom levels 0–13
    /// (<c>address_map_cells</c>, kept by statement-level triggers with transition tables, so a COPY or an import of
    /// many rows costs one aggregate per statement), and a GiST index on <c>point(lon, lat)</c> for points at zoom 14+.
    /// The table is not part of the EF model: only the viewport slice reads it, with SQL.
    /// </summary>
    [DbContext(typeof(MarkersDbContext))]
    [Migration("20261205140000_AddressMapCells")]
    public partial class AddressMapCells : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE FUNCTION markers.map_cell_x(lon double precision, level integer) RETURNS integer
                LANGUAGE sql IMMUTABLE PARALLEL SAFE
                RETURN least(greatest(floor((lon + 180.0) / 360.0 * (4 << level))::integer, 0), (4 << level) - 1);

                CREATE FUNCTION markers.map_cell_y(lat double precision, level integer) RETURNS integer
                LANGUAGE sql IMMUTABLE PARALLEL SAFE
                RETURN least(greatest(floor(
                    (1.0 - ln(tan(radians(least(greatest(lat, -85.05112878), 85.05112878)))
                               + 1.0 / cos(radians(least(greatest(lat, -85.05112878), 85.05112878)))) / pi()) / 2.0
                    * (4 << level))::integer, 0), (4 << level) - 1);

                CREATE TABLE markers.address_map_cells (
                    level smallint NOT NULL,
                    cx integer NOT NULL,
                    cy integer NOT NULL,
                    category varchar(128) NOT NULL,
                    zone_id integer NOT NULL,
                    count integer NOT NULL,
                    sum_lat double precision NOT NULL,
                    sum_lon double precision NOT NULL,
                    CONSTRAINT pk_address_map_cells PRIMARY KEY (level, cx, cy, category, zone_id));

                CREATE FUNCTION markers.address_map_cells_apply() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP IN ('UPDATE', 'DELETE') THEN
                        INSERT INTO markers.address_map_cells AS c (level, cx, cy, category, zone_id, count, sum_lat, sum_lon)
                        SELECT l.level, markers.map_cell_x(o.lon, l.level), markers.map_cell_y(o.lat, l.level),
                               coalesce(o.category, ''), coalesce(o.zone_id, 0), -count(*), -sum(o.lat), -sum(o.lon)
                        FROM old_rows o CROSS JOIN generate_series(0, 13) AS l(level)
                        WHERE o.lat IS NOT NULL AND o.lon IS NOT NULL
                        GROUP BY 1, 2, 3, 4, 5
                        ORDER BY 1, 2, 3, 4, 5
                        ON CONFLICT (level, cx, cy, category, zone_id) DO UPDATE
                        SET count = c.count + excluded.count, sum_lat = c.sum_lat + excluded.sum_lat, sum_lon = c.sum_lon + excluded.sum_lon;
                    END IF;
                    IF TG_OP IN ('INSERT', 'UPDATE') THEN
                        INSERT INTO markers.address_map_cells AS c (level, cx, cy, category, zone_id, count, sum_lat, sum_lon)
                        SELECT l.level, markers.map_cell_x(n.lon, l.level), markers.map_cell_y(n.lat, l.level),
                               coalesce(n.category, ''), coalesce(n.zone_id, 0), count(*), sum(n.lat), sum(n.lon)
                        FROM new_rows n CROSS JOIN generate_series(0, 13) AS l(level)
                        WHERE n.lat IS NOT NULL AND n.lon IS NOT NULL
                        GROUP BY 1, 2, 3, 4, 5
                        ORDER BY 1, 2, 3, 4, 5
                        ON CONFLICT (level, cx, cy, category, zone_id) DO UPDATE
                        SET count = c.count + excluded.count, sum_lat = c.sum_lat + excluded.sum_lat, sum_lon = c.sum_lon + excluded.sum_lon;
                    END IF;
                    RETURN NULL;
                END $$;

                CREATE TRIGGER address_map_cells_insert AFTER INSERT ON markers.addresses
                    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION markers.address_map_cells_apply();
                CREATE TRIGGER address_map_cells_update AFTER UPDATE ON markers.addresses
                    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION markers.address_map_cells_apply();
                CREATE TRIGGER address_map_cells_delete AFTER DELETE ON markers.addresses
                    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION markers.address_map_cells_apply();

                INSERT INTO markers.address_map_cells (level, cx, cy, category, zone_id, count, sum_lat, sum_lon)
                SELECT l.level, markers.map_cell_x(a.lon, l.level), markers.map_cell_y(a.lat, l.level),
                       coalesce(a.category, ''), coalesce(a.zone_id, 0), count(*), sum(a.lat), sum(a.lon)
                FROM markers.addresses a CROSS JOIN generate_series(0, 13) AS l(level)
                WHERE a.lat IS NOT NULL AND a.lon IS NOT NULL
                GROUP BY 1, 2, 3, 4, 5;

                CREATE INDEX ix_addresses_map_point ON markers.addresses USING gist (point(lon, lat)) WHERE lat IS NOT NULL AND lon IS NOT NULL;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP INDEX IF EXISTS markers.ix_addresses_map_point;
                DROP TRIGGER IF EXISTS address_map_cells_insert ON markers.addresses;
                DROP TRIGGER IF EXISTS address_map_cells_update ON markers.addresses;
                DROP TRIGGER IF EXISTS address_map_cells_delete ON markers.addresses;
                DROP FUNCTION IF EXISTS markers.address_map_cells_apply();
                DROP TABLE IF EXISTS markers.address_map_cells;
                DROP FUNCTION IF EXISTS markers.map_cell_y(double precision, integer);
                DROP FUNCTION IF EXISTS markers.map_cell_x(double precision, integer);
                """);
        }
    }
}
