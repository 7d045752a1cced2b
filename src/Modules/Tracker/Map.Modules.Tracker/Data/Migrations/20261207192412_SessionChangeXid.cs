using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Map.Modules.Tracker.Data.Migrations
{
    /// <summary>
    /// <c>tracking_sessions.changed_xid</c> (decision 0090): the transaction that last wrote each session row, set by a
    /// trigger on every insert and update whoever writes, and indexed, so the Duty dashboard's view of the open sessions
    /// reads only the rows changed since its last read. Added without a default so the table is not rewritten: a row
    /// no one has written since has none, and the view's first read loads every open session anyway. Not mapped.
    /// </summary>
    public partial class SessionChangeXid : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(
                """
                ALTER TABLE tracker.tracking_sessions ADD COLUMN changed_xid xid8;

                CREATE FUNCTION tracker.stamp_session_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  NEW.changed_xid := pg_current_xact_id();
                  RETURN NEW;
                END $$;

                CREATE TRIGGER tracking_sessions_changed BEFORE INSERT OR UPDATE ON tracker.tracking_sessions
                FOR EACH ROW EXECUTE FUNCTION tracker.stamp_session_change();

                CREATE INDEX ix_tracking_sessions_changed_xid ON tracker.tracking_sessions (changed_xid);

                -- A bulk rebuild changes a session's live state: it now stamps the session row too, like every other
                -- writer of the state (PointStore rewrites the session row in the statement that writes the state).
                CREATE OR REPLACE FUNCTION tracker.rebuild_live_state(session bigint)
                RETURNS void LANGUAGE sql AS $$
                  INSERT INTO tracker.session_live_state (session_id, recent, kpi)
                  SELECT session, tracker.merge_live_recent(NULL, pts)::json, tracker.merge_live_kpi(NULL, tracker.live_kpi_of(pts))::json
                  FROM (SELECT jsonb_agg(tracker.live_point(p.id, p.ts, p.lat, p.lon, p.accuracy_m, p.kind, p.speed_mps, p.bearing_deg, p.flags)) AS pts
                        FROM (SELECT * FROM tracker.tracking_points WHERE session_id = session ORDER BY ts DESC LIMIT 500) p) newest
                  WHERE pts IS NOT NULL
                  ON CONFLICT (session_id) DO UPDATE SET recent = EXCLUDED.recent, kpi = EXCLUDED.kpi;
                  UPDATE tracker.tracking_sessions SET changed_xid = pg_current_xact_id() WHERE id = session;
                $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(
                """
                CREATE OR REPLACE FUNCTION tracker.rebuild_live_state(session bigint)
                RETURNS void LANGUAGE sql AS $$
                  INSERT INTO tracker.session_live_state (session_id, recent, kpi)
                  SELECT session, tracker.merge_live_recent(NULL, pts)::json, tracker.merge_live_kpi(NULL, tracker.live_kpi_of(pts))::json
                  FROM (SELECT jsonb_agg(tracker.live_point(p.id, p.ts, p.lat, p.lon, p.accuracy_m, p.kind, p.speed_mps, p.bearing_deg, p.flags)) AS pts
                        FROM (SELECT * FROM tracker.tracking_points WHERE session_id = session ORDER BY ts DESC LIMIT 500) p) newest
                  WHERE pts IS NOT NULL
                  ON CONFLICT (session_id) DO UPDATE SET recent = EXCLUDED.recent, kpi = EXCLUDED.kpi
                $$;
                DROP TRIGGER IF EXISTS tracking_sessions_changed ON tracker.tracking_sessions;
                DROP FUNCTION IF EXISTS tracker.stamp_session_change();
                DROP INDEX IF EXISTS tracker.ix_tracking_sessions_changed_xid;
                ALTER TABLE tracker.tracking_sessions DROP COLUMN IF EXISTS changed_xid;
                """);
        }
    }
}
