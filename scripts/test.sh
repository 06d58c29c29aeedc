#!/usr/bin/env bash
# make test: a throwaway PostgreSQL in a temporary folder, build, run every
# test, and remove the cluster afterwards, even when a test fails.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib.sh"
cd "$root"

need_server_packages
need_packages proj-bin  # cs2cs: the boundary tests check PostGIS against it

tmp=$(mktemp -d "${TMPDIR:-/tmp}/reclaim-test.XXXXXX")
chmod 755 "$tmp"
port=$(free_port)
cleanup() {
    # services the CLI suites started (they stop them; this is for a test process that crashed)
    pkill -f "reclaim serve --database-url postgresql://reclaim_app@127.0.0.1:$port/" 2>/dev/null || true
    "$here/pg.sh" stop --dir "$tmp" --port "$port" >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

"$here/pg.sh" start --dir "$tmp" --port "$port" --throwaway >/dev/null
export RECLAIM_TEST_DATABASE_URL="postgresql://reclaim@127.0.0.1:$port/postgres"
echo "test cluster: 127.0.0.1:$port in $tmp"

# docker-compose.yml must stay a real, valid alternative; check its syntax.
if command -v docker-compose >/dev/null 2>&1 || need_packages docker-compose 2>/dev/null; then
    docker-compose -f docker-compose.yml config -q && echo "docker-compose.yml: valid"
else
    echo "docker-compose not installed; skipped the docker-compose.yml check (apt-get install docker-compose)"
fi

swift build --build-tests
swift test --skip-build "$@"

# A full run only: the contract (the service held to openapi.yaml by
# schemathesis), then the dashboard in a real headless Chromium.
if [ $# -eq 0 ]; then
    "$here/contract.sh" "$RECLAIM_TEST_DATABASE_URL"
    "$here/browser.sh" "$RECLAIM_TEST_DATABASE_URL"
fi
