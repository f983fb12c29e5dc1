#!/usr/bin/env bash
# Runs the database-backed tests (models, migrations, authz, login flow,
# handlers) again against the PostgreSQL server that ORGSSO_TEST_POSTGRES_URL
# names (an admin URL; each test creates and drops its own database). It
# never picks a server on its own: without the variable it says so and
# skips. .ci/run sets it for the machine's local cluster.
set -uo pipefail
url="${ORGSSO_TEST_POSTGRES_URL:-}"
if [ -z "$url" ]; then
  echo "test-postgres: SKIPPED — set ORGSSO_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable) to run the tests on PostgreSQL too"
  exit 0
fi
hostport=$(echo "$url" | sed -E 's#^[a-z]+://([^@/]*@)?([^/?]+).*#\2#')
host=${hostport%:*}; port=${hostport##*:}; [ "$port" = "$hostport" ] && port=5432
if ! (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
  echo "test-postgres: ORGSSO_TEST_POSTGRES_URL is set but nothing answers on $host:$port" >&2
  exit 1
fi
echo "test-postgres: running the database-backed tests against PostgreSQL at $host:$port"
export ORGSSO_TEST_POSTGRES_URL="$url" ORGSSO_TEST_DB=postgres
exec go test -race -count=1 ${GOTEST_FLAGS:-} ./models/... ./app/authz/... ./app/signin/... ./app/web/... ./e2e/...
