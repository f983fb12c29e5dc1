#!/usr/bin/env bash
# Runs the database-backed tests (models, migrations, authz, login flow,
# handlers) again against PostgreSQL when a server is reachable; otherwise
# says why and skips. ORGSSO_TEST_POSTGRES_URL names the server (an admin
# URL; each test creates and drops its own database).
set -uo pipefail
url="${ORGSSO_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}"
hostport=$(echo "$url" | sed -E 's#^[a-z]+://([^@/]*@)?([^/?]+).*#\2#')
host=${hostport%:*}; port=${hostport##*:}; [ "$port" = "$hostport" ] && port=5432
if ! (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
  if [ -n "${ORGSSO_TEST_POSTGRES_URL:-}" ]; then
    echo "test-postgres: ORGSSO_TEST_POSTGRES_URL is set but nothing answers on $host:$port" >&2
    exit 1
  fi
  echo "test-postgres: SKIPPED — no PostgreSQL server answers on $host:$port (set ORGSSO_TEST_POSTGRES_URL to test one)"
  exit 0
fi
echo "test-postgres: running the database-backed tests against PostgreSQL at $host:$port"
export ORGSSO_TEST_POSTGRES_URL="$url" ORGSSO_TEST_DB=postgres
exec go test -race -count=1 ${GOTEST_FLAGS:-} ./models/... ./app/authz/... ./app/signin/... ./app/web/... ./e2e/...
