using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Map.Modules.Tracker.Data.Migrations
{
    /// <summary>
    /// <c>session_live_state</c> (decision 0089): per tracking session, its 30 newest points and its 5-minute KPI in
    /// 10-second cells, kept by the same statement that stores the points, so the Duty dashboard reads one small row per
    /// unit instead of a few hundred points. Not mapped (like <c>tracking_points</c>): written and read through
    /// <c>PointStore</c> and <c>BotTracking</c>.
    /// </summary>
    public partial class SessionLiveState : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(
                """
                CREATE TABLE tracker.session_live_state (
                    session_id bigint PRIMARY KEY REFERENCES tracker.tracking_sessions (id) ON DELETE CASCADE,
                    recent json NOT NULL,
                    kpi json NOT NULL);
                -- json, not jsonb: stored as text, so a dashboard read sends it as it is instead of rebuilding the text of
                -- 30 points per unit; the merges below work in jsonb. Compressed in the row rather than moved out to
                -- TOAST: a read is one heap fetch per unit.
                ALTER TABLE tracker.session_live_state ALTER COLUMN recent SET STORAGE MAIN, ALTER COLUMN kpi SET STORAGE MAIN;

                -- One point of `recent`: short keys, nulls left out; t = microseconds since the epoch (exact and sortable).
                CREATE FUNCTION tracker.live_point(id bigint, ts timestamptz, lat float8, lon float8, acc float8, kind text, speed float8, bearing float8, flags text[])
                RETURNS jsonb LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
                  SELECT jsonb_strip_nulls(jsonb_build_object(
                    'i', id, 't', (extract(epoch FROM ts) * 1000000)::bigint, 'la', lat, 'lo', lon, 'a', acc, 'k', kind,
                    's', speed, 'b', bearing, 'f', CASE WHEN cardinality(flags) > 0 THEN to_jsonb(flags) END))
                $$;

                -- The 30 newest of two point lists, newest first.
                CREATE FUNCTION tracker.merge_live_recent(existing jsonb, added jsonb)
                RETURNS jsonb LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
                  SELECT coalesce(jsonb_agg(e ORDER BY (e->>'t')::bigint DESC, (e->>'i')::bigint DESC), '[]'::jsonb)
                  FROM (SELECT e FROM jsonb_array_elements(coalesce(existing, '[]'::jsonb) || coalesce(added, '[]'::jsonb)) e
                        ORDER BY (e->>'t')::bigint DESC, (e->>'i')::bigint DESC LIMIT 30) newest
                $$;

                -- KPI cells of a point list: {"<ts div 10 s>": [points, accuracy sum, points with accuracy, jumps]}.
                CREATE FUNCTION tracker.live_kpi_of(points jsonb)
                RETURNS jsonb LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
                  SELECT coalesce(jsonb_object_agg(cell::text, jsonb_build_array(n, acc_sum, acc_n, jumps)), '{}'::jsonb)
                  FROM (SELECT (e->>'t')::bigint / 10000000 AS cell, count(*) AS n, coalesce(sum((e->>'a')::float8), 0) AS acc_sum,
                               count(e->'a') AS acc_n, count(*) FILTER (WHERE coalesce(e->'f', '[]'::jsonb) ? 'jump') AS jumps
                        FROM jsonb_array_elements(coalesce(points, '[]'::jsonb)) e GROUP BY 1) cells
                $$;

                -- Two cell maps added up; cells more than 320 s older than the newest are dropped (the KPI spans 300 s).
                CREATE FUNCTION tracker.merge_live_kpi(existing jsonb, added jsonb)
                RETURNS jsonb LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
                  WITH cells AS (
                    SELECT key::bigint AS cell, (value->>0)::bigint AS n, (value->>1)::float8 AS acc_sum, (value->>2)::bigint AS acc_n, (value->>3)::bigint AS jumps
                    FROM jsonb_each(coalesce(existing, '{}'::jsonb) ) UNION ALL
                    SELECT key::bigint, (value->>0)::bigint, (value->>1)::float8, (value->>2)::bigint, (value->>3)::bigint
                    FROM jsonb_each(coalesce(added, '{}'::jsonb))),
                  sums AS (SELECT cell, sum(n) AS n, sum(acc_sum) AS acc_sum, sum(acc_n) AS acc_n, sum(jumps) AS jumps FROM cells GROUP BY cell)
                  SELECT coalesce(jsonb_object_agg(cell::text, jsonb_build_array(n, acc_sum, acc_n, jumps)), '{}'::jsonb)
                  FROM sums WHERE cell > (SELECT max(cell) FROM sums) - 32
                $$;

                -- A session's state from its stored points (the backfill below, and tools that load points in bulk).
                CREATE FUNCTION tracker.rebuild_live_state(session bigint)
                RETURNS void LANGUAGE sql AS $$
                  INSERT INTO tracker.session_live_state (session_id, recent, kpi)
                  SELECT session, tracker.merge_live_recent(NULL, pts)::json, tracker.merge_live_kpi(NULL, tracker.live_kpi_of(pts))::json
                  FROM (SELECT jsonb_agg(tracker.live_point(p.id, p.ts, p.lat, p.lon, p.accuracy_m, p.kind, p.speed_mps, p.bearing_deg, p.flags)) AS pts
                        FROM (SELECT * FROM tracker.tracking_points WHERE session_id = session ORDER BY ts DESC LIMIT 500) p) newest
                  WHERE pts IS NOT NULL
                  ON CONFLICT (session_id) DO UPDATE SET recent = EXCLUDED.recent, kpi = EXCLUDED.kpi
                $$;

                SELECT tracker.rebuild_live_state(id) FROM tracker.tracking_sessions
                WHERE ended_at IS NULL OR ended_at > now() - interval '10 minutes';
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(
                """
                DROP FUNCTION IF EXISTS tracker.rebuild_live_state(bigint);
                DROP FUNCTION IF EXISTS tracker.merge_live_kpi(jsonb, jsonb);
                DROP FUNCTION IF EXISTS tracker.live_kpi_of(jsonb);
                DROP FUNCTION IF EXISTS tracker.merge_live_recent(jsonb, jsonb);
                DROP FUNCTION IF EXISTS tracker.live_point(bigint, timestamptz, float8, float8, float8, text, float8, float8, text[]);
                DROP TABLE IF EXISTS tracker.session_live_state;
                """);
        }
    }
}
