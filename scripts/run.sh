#!/usr/bin/env bash
# Starts Map locally on http://127.0.0.1:8000 (override with MAP_URLS).
# - installs PostgreSQL and Redis from Debian packages and starts them on loopback when missing (needs root or sudo);
# - creates the database and its role (password generated once, kept in .env.local, which git ignores);
# - applies migrations, then serves (MAP_ROLE=all: web + jobs);
# - bootstraps the superadmin from ADMIN_USERNAME / ADMIN_PASSWORD; when no superadmin exists and no password
#   is given, generates one and prints it once. There is no default password.
# Settings: environment variables (see .env.example); a .env file in the repository root is read first.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/services.sh

set -a
[ -f .env ] && source .env
[ -f .env.local ] && source .env.local
set +a

remember() { # remember NAME VALUE: keep a generated value for the next runs
  printf '%s=%q\n' "$1" "$2" >> .env.local
  chmod 600 .env.local
  export "$1=$2"
}

ensure_packages
ensure_redis 6379
ensure_postgres 5432

if [ -z "${DATABASE_URL:-}" ]; then
  [ -n "${MAP_DB_PASSWORD:-}" ] || remember MAP_DB_PASSWORD "$(random_secret)"
  ensure_pg_role map "$MAP_DB_PASSWORD"
  ensure_pg_database map map
  export DATABASE_URL="postgresql://map:${MAP_DB_PASSWORD}@127.0.0.1:5432/map"
fi
export REDIS_URL="${REDIS_URL-redis://127.0.0.1:6379/0}"
[ -n "${SECRET_KEY:-}" ] || remember SECRET_KEY "$(random_secret)"
export ADMIN_USERNAME="${ADMIN_USERNAME:-admin}"
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"

echo "building..."
dotnet build src/Map.Host -c Release -v quiet -nologo | grep -E "error|warn" || true
dotnet run --project src/Map.Host -c Release --no-build -- migrate

generated_password=""
if [ -z "${ADMIN_PASSWORD:-}" ] && [ -z "${ADMIN_PASSWORD_HASH:-}" ]; then
  has_superadmin=$(psql "$DATABASE_URL" -At -c \
    "SELECT count(*) FROM admin.admin_users WHERE role = 'superadmin' AND is_active" 2>/dev/null || echo 0)
  if [ "$has_superadmin" = "0" ]; then
    generated_password=$(random_secret | cut -c1-20)
    export ADMIN_PASSWORD="$generated_password"
  fi
fi

urls="${MAP_URLS:-http://127.0.0.1:8000}"
echo
echo "Map: $urls   (health: $urls/health, jobs: $urls/hangfire)"
if [ -n "$generated_password" ]; then
  echo "Superadmin created: username '$ADMIN_USERNAME', password '$generated_password'"
  echo "This password is shown only now. Change it after signing in."
fi
echo
exec dotnet run --project src/Map.Host -c Release --no-build -- --urls "$urls"
