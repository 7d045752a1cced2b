#!/usr/bin/env bash
# Runs every test of the solution against real PostgreSQL and Redis on loopback (installed from Debian packages
# and started when missing; that part needs root or sudo). Ends with one line: "tests: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/services.sh

ensure_packages || exit 1
ensure_postgres 5432 || exit 1
ensure_redis 6379 || exit 1

# The test role's password is random, generated once per machine and kept out of the repository (runs that
# overlap on one machine share it).
secret_file="${XDG_CACHE_HOME:-$HOME/.cache}/map/test-db-password"
if [ ! -s "$secret_file" ]; then
  mkdir -p "$(dirname "$secret_file")"
  (umask 077 && random_secret > "$secret_file")
fi
password=$(cat "$secret_file")
ensure_pg_role map_test "$password" "CREATEDB" || exit 1
# DROP DATABASE ... WITH (FORCE) must also end autovacuum workers, which no ordinary role may signal.
as_postgres psql -q -d postgres -c "GRANT pg_signal_backend TO map_test" >/dev/null || exit 1
# tools/Map.Perf uses this role too, and checkpoints after bulk-loading a scratch database (PostgreSQL 15+).
as_postgres psql -q -d postgres -c "DO \$\$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pg_checkpoint') THEN GRANT pg_checkpoint TO map_test; END IF; END \$\$" >/dev/null || exit 1

# Leftovers of crashed runs (each run drops its own databases when it ends). A run's databases are named
# map_t_<pid>r<random>_N / map_tpl_<pid>r<random>; only those whose test process is gone are dropped, so
# concurrent runs on one machine leave each other alone.
as_postgres psql -q -d postgres -At -c "SELECT datname FROM pg_database WHERE datname ~ '^map_(t|tpl)_[0-9a-f]+r'" |
  while read -r db; do
    pid=$((16#$(printf '%s' "$db" | sed -E 's/^map_(t|tpl)_([0-9a-f]+)r.*/\2/')))
    [ -d "/proc/$pid" ] || as_postgres psql -q -d postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
  done

export MAP_TEST_DATABASE_URL="postgresql://map_test:${password}@127.0.0.1:5432/postgres"
export MAP_TEST_REDIS_URL="redis://127.0.0.1:6379/15"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

results="TestResults/run-$(date +%Y%m%d%H%M%S)"
mkdir -p "$results"
dotnet test Map.slnx -c "${CONFIGURATION:-Debug}" \
  --logger "trx" --results-directory "$results" \
  --blame-hang-timeout 10m "$@"
status=$?

passed=0
failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(printf '%s' "$counters" | sed -n 's/.* passed="\([0-9]*\)".*/\1/p')
  f=$(printf '%s' "$counters" | sed -n 's/.* failed="\([0-9]*\)".*/\1/p')
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # the build or a test host failed before any result was written
fi
echo "tests: ${passed} passed, ${failed} failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
