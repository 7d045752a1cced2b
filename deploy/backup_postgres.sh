#!/usr/bin/env bash
# Backs up the Map database: pg_dump -Fc of POSTGRES_DB (as POSTGRES_USER) to
# ${BACKUP_DIR:-/backups}/pgdump_YYYYmmdd_HHMMSS.dump, then keeps only the newest BACKUP_KEEP (default 14) dumps.
#   In the db container: docker compose -f docker-compose.prod.yml exec -T db /scripts/backup_postgres.sh
#   Elsewhere: also set PGHOST, PGPORT and PGPASSWORD (or use ~/.pgpass).
# Prints "OK: <file>". Any failure exits non-zero and leaves no partial dump behind.
set -euo pipefail

db="${POSTGRES_DB:?POSTGRES_DB is not set}"
user="${POSTGRES_USER:?POSTGRES_USER is not set}"
dir="${BACKUP_DIR:-/backups}"
keep="${BACKUP_KEEP:-14}"
if ! [[ "$keep" =~ ^[1-9][0-9]*$ ]]; then
  echo "error: BACKUP_KEEP must be a positive integer (got '$keep')" >&2
  exit 2
fi

umask 077 # dumps hold password hashes and tokens
mkdir -p "$dir"
file="$dir/pgdump_$(date +%Y%m%d_%H%M%S).dump"
if [ -e "$file" ]; then
  echo "error: $file already exists" >&2
  exit 1
fi

partial="$file.partial"
trap 'rm -f "$partial"' EXIT
trap 'exit 130' INT TERM HUP
pg_dump --format=custom --no-password --username="$user" --dbname="$db" --file="$partial"
# A dump that pg_restore cannot read is no backup.
pg_restore --list "$partial" >/dev/null
mv "$partial" "$file"
trap - EXIT

mapfile -t dumps < <(find "$dir" -maxdepth 1 -type f -name 'pgdump_????????_??????.dump' -printf '%f\n' | sort)
for ((i = 0; i < ${#dumps[@]} - keep; i++)); do
  rm -f -- "$dir/${dumps[i]}"
done

echo "OK: $file"
