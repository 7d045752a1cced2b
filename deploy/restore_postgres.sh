#!/usr/bin/env bash
# Restores a backup_postgres.sh dump into POSTGRES_DB (as POSTGRES_USER), all or nothing.
#   docker compose -f docker-compose.prod.yml stop web worker
#   docker compose -f docker-compose.prod.yml exec -T db /scripts/restore_postgres.sh /backups/pgdump_YYYYmmdd_HHMMSS.dump
#   Elsewhere: also set PGHOST, PGPORT and PGPASSWORD; the user must own the database and have CREATEDB.
# How: the dump is checked (pg_restore --list), restored in one transaction into a new database, and only then swapped
# in by renaming. The replaced database is kept as <db>_before_restore_<time>: drop it once the restore is confirmed.
# So the result is exactly the dump (nothing left over from later migrations), and an unreadable or corrupt dump, an
# error while restoring, or a client still connected stops with a non-zero exit and leaves the database as it was.
# Prints "OK: restored <file> into <db>".
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: $0 <dump file made by backup_postgres.sh>" >&2
  exit 2
fi
dump="$1"
db="${POSTGRES_DB:?POSTGRES_DB is not set}"
user="${POSTGRES_USER:?POSTGRES_USER is not set}"
stamp="$(date +%Y%m%d_%H%M%S)"
staging="${db}_restoring"
previous="${db}_before_restore_${stamp}"
if [ ${#previous} -gt 63 ]; then
  echo "error: database name '$db' is too long to keep a copy named '$previous'" >&2
  exit 1
fi

if [ ! -r "$dump" ]; then
  echo "error: cannot read $dump" >&2
  exit 1
fi
if ! pg_restore --list "$dump" >/dev/null; then
  echo "error: $dump is not a readable pg_dump archive; nothing was changed" >&2
  exit 1
fi

# SQL on the maintenance database; -v values are quoted by psql (:'name' literal, :"name" identifier).
admin_sql() {
  PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" psql --no-psqlrc --no-password --quiet --tuples-only --no-align --set=ON_ERROR_STOP=1 \
    --username="$user" --dbname=postgres --set=db="$db" --set=staging="$staging" --set=previous="$previous" "$@"
}

drop_staging() {
  admin_sql <<<'DROP DATABASE IF EXISTS :"staging";' || true
}

others=$(admin_sql <<'SQL'
SELECT string_agg(format('%s (%s, %s)', usename, coalesce(nullif(application_name, ''), '?'), coalesce(client_addr::text, 'local')), ', ')
FROM pg_stat_activity WHERE datname = :'db' AND pid <> pg_backend_pid();
SQL
)
if [ -n "$others" ]; then
  echo "error: still connected to $db: $others" >&2
  echo "stop them first (docker compose -f docker-compose.prod.yml stop web worker); nothing was changed" >&2
  exit 1
fi

# A new database like the current one (same owner, encoding and locale), filled in one transaction.
admin_sql <<'SQL'
DROP DATABASE IF EXISTS :"staging";
SELECT coalesce(
  (SELECT format('CREATE DATABASE %I OWNER %I TEMPLATE template0 ENCODING %L LC_COLLATE %L LC_CTYPE %L',
                 :'staging', pg_get_userbyid(datdba), pg_encoding_to_char(encoding), datcollate, datctype)
   FROM pg_database WHERE datname = :'db'),
  format('CREATE DATABASE %I TEMPLATE template0', :'staging'))
\gexec
SQL
if ! pg_restore --no-password --username="$user" --dbname="$staging" --single-transaction --exit-on-error "$dump"; then
  drop_staging
  echo "error: restoring $dump failed; $db was not changed" >&2
  exit 1
fi

# The swap: both renames commit together, or neither does (e.g. when a client connected meanwhile).
if ! admin_sql <<'SQL'
BEGIN;
SELECT format('ALTER DATABASE %I RENAME TO %I', :'db', :'previous') FROM pg_database WHERE datname = :'db'
\gexec
ALTER DATABASE :"staging" RENAME TO :"db";
COMMIT;
SQL
then
  drop_staging
  echo "error: could not swap in the restored database; $db was not changed" >&2
  exit 1
fi

if [ "$(admin_sql <<<"SELECT count(*) FROM pg_database WHERE datname = :'previous';")" = "1" ]; then
  echo "the replaced database is kept as $previous (drop it when satisfied: dropdb -U $user $previous)"
fi
echo "OK: restored $dump into $db"
