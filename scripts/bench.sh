#!/usr/bin/env bash
# make bench: its own PostgreSQL and service, a release build, then
# bench/bench.py prints each figure and writes bench-results.json.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib.sh"
cd "$root"

need_server_packages
need_packages wrk curl
# Release, with the Swift runtime linked in as the container image builds
# it (a CLI process starts in about half the time), in a build folder of its
# own so that it does not undo the default folder's build.
release=(-c release --static-swift-stdlib --scratch-path .build-static)
swift build "${release[@]}" --product reclaim
bin="$(swift build "${release[@]}" --show-bin-path)/reclaim"
# The HTTP peer: a separate package, never linked into Reclaim.
swift build -c release --package-path bench/peer
peer_bin="$(swift build -c release --package-path bench/peer --show-bin-path)/Peer"

work=$(mktemp -d "${TMPDIR:-/tmp}/reclaim-bench.XXXXXX")
chmod 755 "$work"
port=$(free_port)
http_port=$(free_port)
peer_port=$(free_port)
while [ "$peer_port" = "$http_port" ]; do peer_port=$(free_port); done
server_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    "$here/pg.sh" stop --dir "$work" --port "$port" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

# Default durability (fsync on): the figures are for a real server, set as
# one would be on this machine rather than PostgreSQL's minimal defaults:
# shared buffers of 1 GB, and WAL room for a million-row import between
# checkpoints (each checkpoint makes the next write of every page a full
# page image). The baselines run on the same server.
url=$("$here/pg.sh" start --dir "$work" --port "$port")
psql -X -q -d "$url" -c "ALTER SYSTEM SET shared_buffers = '1GB'" -c "ALTER SYSTEM SET max_wal_size = '8GB'" >/dev/null
url=$("$here/pg.sh" restart --dir "$work" --port "$port")
export DATABASE_URL="$url"
"$bin" migrate >/dev/null

python3 bench/bench.py --bin "$bin" --url "$url" --work "$work" --http-port "$http_port" --pid-file "$work/server.pid" \
    --peer-bin "$peer_bin" --peer-port "$peer_port" "$@"
