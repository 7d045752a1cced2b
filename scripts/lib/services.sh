#!/usr/bin/env bash
# Shared by run.sh and test.sh: make sure PostgreSQL and Redis are installed and running on loopback.
# Installing packages and starting the system cluster needs root (or sudo).

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "error: '$*' needs root; run as root or install sudo" >&2; return 1; fi
}

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

pg_bin_dir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

ensure_packages() {
  local missing=()
  [ -n "$(pg_bin_dir)" ] || missing+=(postgresql postgresql-contrib)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
  # The operations tests run deploy/nginx.conf in a real nginx and validate docker-compose.prod.yml.
  [ -x /usr/sbin/nginx ] || missing+=(nginx)
  command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
  # They also check deploy/prometheus with promtool and scrape a running Map with a real Prometheus (one package).
  { [ -x /usr/bin/prometheus ] && [ -x /usr/bin/promtool ]; } || missing+=(prometheus)
  # The browser tests (tests/Map.Web.Tests) drive Debian's Chromium through its chromedriver.
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]} from Debian packages..."
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

ensure_postgres() {
  local port="${1:-5432}"
  if pg_isready -q -h 127.0.0.1 -p "$port"; then return 0; fi
  local version
  version=$(basename "$(dirname "$(pg_bin_dir)")")
  if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -q "^$version main$"; then
    as_root pg_createcluster "$version" main -p "$port" >/dev/null
  fi
  echo "starting PostgreSQL $version..."
  as_root pg_ctlcluster "$version" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p "$port" && return 0; sleep 1; done
  echo "error: PostgreSQL did not start on 127.0.0.1:$port" >&2
  return 1
}

ensure_redis() {
  local port="${1:-6379}"
  if redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; then return 0; fi
  echo "starting Redis on 127.0.0.1:$port..."
  as_root redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
    --logfile /tmp/map-redis-"$port".log >/dev/null
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "error: Redis did not start on 127.0.0.1:$port" >&2
  return 1
}

# ensure_pg_role NAME PASSWORD [ATTRIBUTES]: create or update a login role with that password.
ensure_pg_role() {
  local name="$1" password="$2" attributes="${3:-}"
  as_postgres psql -q -v ON_ERROR_STOP=1 -d postgres \
    -v name="$name" -v password="$password" <<SQL >/dev/null
SELECT format('CREATE ROLE %I LOGIN', :'name') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'name')
\gexec
SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L $attributes', :'name', :'password')
\gexec
SQL
}

# ensure_pg_database NAME OWNER
ensure_pg_database() {
  local name="$1" owner="$2"
  as_postgres psql -q -v ON_ERROR_STOP=1 -d postgres -v name="$name" -v owner="$owner" <<'SQL' >/dev/null
SELECT format('CREATE DATABASE %I OWNER %I', :'name', :'owner') WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'name')
\gexec
SQL
}

random_secret() {
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'
}
